-- +goose Up
-- A server may require the next login to change the password
-- (accounts.setAccountInfo requirePasswordChange=true); a new password
-- clears it.
ALTER TABLE accounts ADD COLUMN password_change_required INTEGER NOT NULL DEFAULT 0;

-- New sites log in by email and username. Sites that exist keep logging in
-- as they did, by email only, unless they chose otherwise.
UPDATE sites SET policies = json_set(policies, '$.accountOptions.loginIdentifiers', 'email')
 WHERE json_valid(policies) AND json_extract(policies, '$.accountOptions.loginIdentifiers') IS NULL;

-- +goose Down
-- The pinned login identifiers stay: they were the default before.
ALTER TABLE accounts DROP COLUMN password_change_required;
