-- Substring search over the users table without scanning it: an FTS5 index
-- with the trigram tokenizer (it also serves LIKE '%term%'), kept in step
-- with users.search_text by triggers.
CREATE VIRTUAL TABLE users_fts USING fts5(search_text, content='users', content_rowid='rowid', tokenize='trigram');
INSERT INTO users_fts (rowid, search_text) SELECT rowid, search_text FROM users;
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_text ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO users_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
