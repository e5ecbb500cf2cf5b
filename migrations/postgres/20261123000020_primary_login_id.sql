-- users.primary_login_id now records the login ID chosen as primary (it
-- used to be recomputed as the alphabetically first one whenever login IDs
-- changed). It keeps its value until someone chooses another; when it is
-- removed, the oldest remaining one takes over. Make sure every user's
-- names one of their own login IDs before the code relies on it.
UPDATE users SET primary_login_id = (SELECT MIN(value) FROM login_ids WHERE login_ids.user_id = users.id)
WHERE NOT EXISTS (SELECT 1 FROM login_ids WHERE login_ids.user_id = users.id AND login_ids.value = users.primary_login_id)
  AND EXISTS (SELECT 1 FROM login_ids WHERE login_ids.user_id = users.id);
