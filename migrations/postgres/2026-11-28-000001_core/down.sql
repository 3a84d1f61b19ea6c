DROP TABLE project_transitions;
DROP TABLE projects;
DROP TABLE categories;
DROP TABLE plans;
DROP TABLE organizations;
