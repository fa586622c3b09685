-- Version 2 once seeded a fake salon catalog (four services and a master «Мастер»). A new
-- tenant now starts empty and its owner sets it up in the bot's setup wizard; schemas that
-- applied the old seed keep their rows (the version stays recorded, so nothing reruns).
-- Tests and benchmarks that need a catalog make one explicitly (tests/support/catalog.py).
SELECT 1;
