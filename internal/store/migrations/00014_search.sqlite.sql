-- +goose Up
-- accounts.search (issue 11): the words of the text values of each
-- account's objects, in an FTS5 index, so that `contains` on profile, data,
-- preferences or subscriptions looks the words up instead of reading every
-- account of a site. It only narrows: the query still checks the exact,
-- case-sensitive words of the field it names (package search). Contentless
-- (the accounts row holds the text); triggers keep it in step. PostgreSQL
-- has no such index: its `contains` reads the site's accounts.
CREATE VIRTUAL TABLE account_words USING fts5(profile, data, preferences, subscriptions,
    content = '', contentless_delete = 1);

-- +goose StatementBegin
CREATE TRIGGER account_words_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO account_words (rowid, profile, data, preferences, subscriptions) VALUES (new.id,
        (SELECT group_concat(value, ' ') FROM json_tree(new.profile) WHERE type = 'text'),
        (SELECT group_concat(value, ' ') FROM json_tree(new.data) WHERE type = 'text'),
        (SELECT group_concat(value, ' ') FROM json_tree(new.preferences) WHERE type = 'text'),
        (SELECT group_concat(value, ' ') FROM json_tree(new.subscriptions) WHERE type = 'text'));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER account_words_update AFTER UPDATE OF profile, data, preferences, subscriptions ON accounts BEGIN
    DELETE FROM account_words WHERE rowid = old.id;
    INSERT INTO account_words (rowid, profile, data, preferences, subscriptions) VALUES (new.id,
        (SELECT group_concat(value, ' ') FROM json_tree(new.profile) WHERE type = 'text'),
        (SELECT group_concat(value, ' ') FROM json_tree(new.data) WHERE type = 'text'),
        (SELECT group_concat(value, ' ') FROM json_tree(new.preferences) WHERE type = 'text'),
        (SELECT group_concat(value, ' ') FROM json_tree(new.subscriptions) WHERE type = 'text'));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER account_words_delete AFTER DELETE ON accounts BEGIN
    DELETE FROM account_words WHERE rowid = old.id;
END;
-- +goose StatementEnd

INSERT INTO account_words (rowid, profile, data, preferences, subscriptions)
SELECT id,
    (SELECT group_concat(value, ' ') FROM json_tree(accounts.profile) WHERE type = 'text'),
    (SELECT group_concat(value, ' ') FROM json_tree(accounts.data) WHERE type = 'text'),
    (SELECT group_concat(value, ' ') FROM json_tree(accounts.preferences) WHERE type = 'text'),
    (SELECT group_concat(value, ' ') FROM json_tree(accounts.subscriptions) WHERE type = 'text')
FROM accounts;

-- +goose Down
DROP TRIGGER account_words_delete;
DROP TRIGGER account_words_update;
DROP TRIGGER account_words_insert;
DROP TABLE account_words;
