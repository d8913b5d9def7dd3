-- Profile API 2.x: profile updates (batch-api.md §7). Each profile needs an `identifiers` table; its
-- attributes and events are Batch's to check: its partial errors name a bad profile while the rest of
-- the batch goes through, which refusing the whole call here would prevent.
local rules = require "batch.rules"

local ipairs, type, format = ipairs, type, string.format

local CEP = "https://doc.batch.com/developer/api/cep/profiles/"

local function profiles_body(max)
  return function(profiles, fname)
    local ok, err = rules.nonempty_array(fname, "profiles", profiles)
    if ok then ok, err = rules.cap(fname, "profiles", #profiles, max) end
    if not ok then return nil, err end
    for i, p in ipairs(profiles) do
      rules.need_table(fname, format("profiles[%d]", i), p)
      if type(p.identifiers) ~= "table" then
        return rules.invalid(format("%s: profiles[%d] has no identifiers table (e.g. { custom_id = '...' })",
                                    fname, i))
      end
    end
    return true
  end
end

return {
  { name = "profiles.update", lua = "profiles:update", method = "POST", family = "2", path = "/profiles/update",
    body = profiles_body(200), expect = { 200, 201, 202 }, result = "object", fields = { code = "string" },
    doc = CEP .. "update", section = "§7" },
  { name = "profiles.mass_update", lua = "profiles:mass_update", method = "POST", family = "2",
    path = "/profiles/mass-update", body = profiles_body(10000), expect = { 200, 201, 202 }, result = "object",
    fields = { code = "string" }, doc = CEP .. "mass-update-profile", section = "§7" },
}
