-- The API route files, matched in this order. A new API is a new file listed here; each file
-- returns an array of { method, path (a template, see router.lua) or pattern, auth = "mep" | "cep" |
-- nil, live_only, limit (a rate-limited route, see limits.lua), handler(ctx, captures...) }.
-- A handler returns status, body (a JSON string, or a stream: see http.pump) and optionally a table
-- of extra headers.
return {
  "batch_mock.routes.campaigns_1_1",
  "batch_mock.routes.in_app_1_1",
  "batch_mock.routes.transactional",
  "batch_mock.routes.exports_v1",
  "batch_mock.routes.custom_data",
  "batch_mock.routes.trigger_events",
  "batch_mock.routes.custom_audiences",
  "batch_mock.routes.gdpr",
  "batch_mock.routes.exports_v2",
  "batch_mock.routes.profiles",
  "batch_mock.routes.audiences",
  "batch_mock.routes.orchestrations",
  "batch_mock.routes.catalogs",
  "batch_mock.routes.storage",
}
