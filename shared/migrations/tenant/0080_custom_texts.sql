-- The owner's own wording of five customer texts, per language: the greeting (/start), «О нас»,
-- the booking confirmation, the reminder and the review request. No row = the shipped text.
-- `body` is plain text with placeholders such as {name}, checked by the bot before saving.
CREATE TABLE custom_texts (
    kind text NOT NULL
        CHECK (kind IN ('greeting', 'about', 'confirmation', 'reminder', 'review')),
    locale text NOT NULL CHECK (locale IN ('ru', 'en')),
    body text NOT NULL CHECK (body <> '' AND length(body) <= 4096),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, locale)
);
