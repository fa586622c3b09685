-- Sensible Russian defaults so a fresh bot can take bookings at once; the owner edits them.
-- The business row is inserted by the provisioner, not here.

INSERT INTO services (name, description, duration_min, price_kopecks, sort_order) VALUES
    ('Стрижка', 'Стрижка и укладка', 60, 150000, 10),
    ('Окрашивание', 'Окрашивание в один тон', 120, 400000, 20),
    ('Маникюр', 'Маникюр с покрытием', 90, 200000, 30),
    ('Укладка', 'Укладка феном', 45, 100000, 40);

INSERT INTO masters (name, sort_order) VALUES ('Мастер', 10);

INSERT INTO master_services (master_id, service_id)
SELECT m.id, s.id FROM masters AS m CROSS JOIN services AS s;

-- Monday (0) to Saturday (5), 10:00-20:00 with a break 14:00-15:00.
INSERT INTO working_hours (master_id, weekday, starts, ends)
SELECT m.id, d, '10:00', '20:00' FROM masters AS m CROSS JOIN generate_series(0, 5) AS d;

INSERT INTO breaks (master_id, weekday, starts, ends)
SELECT m.id, d, '14:00', '15:00' FROM masters AS m CROSS JOIN generate_series(0, 5) AS d;
