-- The API route files, matched in this order. A new API (e.g. exports) is a new file listed here;
-- each file returns an array of { method, pattern (a Lua pattern on the URI; capture 1 is the API
-- key for auth = "mep"), auth = "mep" | "cep" | nil, live_only, handler(ctx, captures...) }.
-- A handler returns status, body (a JSON string, or a stream: see http.pump) and optionally a table
-- of extra headers.
return {
  "batch_mock.routes.campaigns_1_1",
  "batch_mock.routes.in_app_1_1",
  "batch_mock.routes.exports_v1",
  "batch_mock.routes.exports_v2",
  "batch_mock.routes.storage",
}
