-- Sum of 1..10^7 in a counting loop (bench/vm.sh).
local s = 0
for i = 1, 10000000 do s = s + i end
print(s)
