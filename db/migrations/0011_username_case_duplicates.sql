-- Usernames become unique without regard to case (the next migration adds the index). Where two
-- logins differ only by case, the oldest keeps its name and each later one is renamed to
-- "<name>-<last 6 characters of its id>", which an administrator can tell its owner.
UPDATE users SET username = username || '-' || lower(substr(id, -6))
WHERE EXISTS (
  SELECT 1 FROM users AS older
  WHERE lower(older.username) = lower(users.username)
    AND (older.created_at < users.created_at OR (older.created_at = users.created_at AND older.id < users.id))
);
