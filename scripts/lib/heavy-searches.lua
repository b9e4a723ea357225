-- wrk script: every request a search for four random words out of the 24 most common in the
-- corpus (about 255,000 ordered choices), so nearly every query is new to the server and each
-- one walks the longest postings lists: the worst case for search, past the page cache.
local words = {
  "learning", "model", "models", "language", "large", "data", "neural", "network", "training",
  "method", "methods", "results", "performance", "approach", "based", "propose", "using", "show",
  "tasks", "task", "framework", "existing", "information", "problem"
}
math.randomseed(os.time())
request = function()
  local q = {}
  for i = 1, 4 do q[i] = words[math.random(#words)] end
  return wrk.format("GET", "/search?q=" .. table.concat(q, "+"))
end
