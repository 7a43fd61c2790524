-- Restricted (定向) money: each restriction has its own account fund:restricted:<purpose|any>:<community|any>
-- (created with its first donation, never negative), and this one account holds the opposite of
-- their sum, so Σ restricted = −balance(fund:restricted) and the unrestricted money is
-- fund:cash + balance(fund:restricted), which a write never lets go below zero.
INSERT INTO accounts (id, code, asset, kind, balance, non_negative) VALUES
  ('fund:restricted', 'fund:restricted', 'CNY', 'fund_restricted_total', 0, 0);
