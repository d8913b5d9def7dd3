-- The fixed credentials the emulator accepts (documented in mock/README.md).
-- Pure data with no dependency: bin/batch-mock reads it with a plain Lua to write mock.env.
return {
  api_key = "5E8A7C1D3F2B4A6908C7E1D2F3A4B5C6",        -- LIVE key of app "ios"
  other_api_key = "A1B2C3D4E5F60718293A4B5C6D7E8F90",  -- LIVE key of app "android" (its own data)
  dev_api_key = "DEV0C3D4E5F60718293A4B5C6D7E8F91",    -- DEV key of app "ios"
  rest_key = "b2a5f8c91d3e4f6a7b8c9d0e1f2a3b4c",       -- company REST API key (X-Authorization / Bearer)
  project_key = "project_0664hxvwffvbpn278gxdyhsadddqgna6", -- X-Batch-Project for the 2.x routes

  -- API key -> the app it belongs to and whether it is a LIVE key.
  apps = {
    ["5E8A7C1D3F2B4A6908C7E1D2F3A4B5C6"] = { app = "ios", live = true },
    ["A1B2C3D4E5F60718293A4B5C6D7E8F90"] = { app = "android", live = true },
    ["DEV0C3D4E5F60718293A4B5C6D7E8F91"] = { app = "ios", live = false },
  },
  app_names = { "ios", "android" },
}
