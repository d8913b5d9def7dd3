-- In-App Campaigns API 1.1: view, list, create, update, delete. No stats route (batch-api.md §2).
return require("batch_mock.campaigns").routes("in_app", "in-app-campaigns", false)
