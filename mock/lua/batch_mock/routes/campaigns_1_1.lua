-- Campaigns API 1.1 (push campaigns and automations): view, list, stats, create, update, delete.
return require("batch_mock.campaigns").routes("push", "campaigns", true)
