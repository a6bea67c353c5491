-- Insert 10^6 string keys "k" .. i, then look each one up (bench/vm.sh).
local m = {}
for i = 1, 1000000 do m["k" .. i] = i end
local found = 0
for i = 1, 1000000 do
  if m["k" .. i] == i then found = found + 1 end
end
print(found)
