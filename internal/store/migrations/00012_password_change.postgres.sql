-- +goose Up
-- A server may require the next login to change the password
-- (accounts.setAccountInfo requirePasswordChange=true); a new password
-- clears it.
ALTER TABLE accounts ADD COLUMN password_change_required BOOLEAN NOT NULL DEFAULT FALSE;

-- New sites log in by email and username. Sites that exist keep logging in
-- as they did, by email only, unless they chose otherwise.
UPDATE sites
   SET policies = jsonb_set(policies::jsonb, '{accountOptions}',
         CASE WHEN jsonb_typeof(policies::jsonb -> 'accountOptions') = 'object'
              THEN policies::jsonb -> 'accountOptions' ELSE '{}'::jsonb END
         || '{"loginIdentifiers": "email"}'::jsonb)::text
 WHERE NOT COALESCE((policies::jsonb -> 'accountOptions') ? 'loginIdentifiers', FALSE);

-- +goose Down
-- The pinned login identifiers stay: they were the default before.
ALTER TABLE accounts DROP COLUMN password_change_required;
