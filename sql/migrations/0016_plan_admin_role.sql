-- Land-use plan layers are legal documents (issue 13, finding 4): only an explicit plan
-- administrator may write them through the editing API; every other role, administrators
-- included, is refused. The role needs a place in the role check.
ALTER TABLE app_user DROP CONSTRAINT IF EXISTS app_user_role_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_role_check
  CHECK (role IN ('admin', 'department_editor', 'municipality_editor', 'reader', 'plan_admin'));
