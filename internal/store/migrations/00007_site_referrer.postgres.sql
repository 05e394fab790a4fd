-- +goose Up
-- Client calls of the site must come from a page (Origin or Referer).
ALTER TABLE sites ADD COLUMN require_referrer BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE sites DROP COLUMN require_referrer;
