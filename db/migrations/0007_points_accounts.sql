-- The common pool for members in need (gifts, grants, credits above a storage cap) may never go
-- below zero; expired points are kept apart from points retired by vouchers.
INSERT INTO accounts (id, code, asset, kind, balance, non_negative) VALUES
  ('points:wish_pool', 'points:wish_pool', 'PTS', 'wish_pool', 0, 1),
  ('points:expired', 'points:expired', 'PTS', 'points_expired', 0, 0);
