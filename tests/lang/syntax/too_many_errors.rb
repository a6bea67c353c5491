# the first 50 syntax errors are reported, then RB1010 where reporting stopped
runbook "t" {
  phase "P" {
    step "S" {
      let = 0   # expect error line 5: RB1001
      let = 1   # expect error line 6: RB1001
      let = 2   # expect error line 7: RB1001
      let = 3   # expect error line 8: RB1001
      let = 4   # expect error line 9: RB1001
      let = 5   # expect error line 10: RB1001
      let = 6   # expect error line 11: RB1001
      let = 7   # expect error line 12: RB1001
      let = 8   # expect error line 13: RB1001
      let = 9   # expect error line 14: RB1001
      let = 10   # expect error line 15: RB1001
      let = 11   # expect error line 16: RB1001
      let = 12   # expect error line 17: RB1001
      let = 13   # expect error line 18: RB1001
      let = 14   # expect error line 19: RB1001
      let = 15   # expect error line 20: RB1001
      let = 16   # expect error line 21: RB1001
      let = 17   # expect error line 22: RB1001
      let = 18   # expect error line 23: RB1001
      let = 19   # expect error line 24: RB1001
      let = 20   # expect error line 25: RB1001
      let = 21   # expect error line 26: RB1001
      let = 22   # expect error line 27: RB1001
      let = 23   # expect error line 28: RB1001
      let = 24   # expect error line 29: RB1001
      let = 25   # expect error line 30: RB1001
      let = 26   # expect error line 31: RB1001
      let = 27   # expect error line 32: RB1001
      let = 28   # expect error line 33: RB1001
      let = 29   # expect error line 34: RB1001
      let = 30   # expect error line 35: RB1001
      let = 31   # expect error line 36: RB1001
      let = 32   # expect error line 37: RB1001
      let = 33   # expect error line 38: RB1001
      let = 34   # expect error line 39: RB1001
      let = 35   # expect error line 40: RB1001
      let = 36   # expect error line 41: RB1001
      let = 37   # expect error line 42: RB1001
      let = 38   # expect error line 43: RB1001
      let = 39   # expect error line 44: RB1001
      let = 40   # expect error line 45: RB1001
      let = 41   # expect error line 46: RB1001
      let = 42   # expect error line 47: RB1001
      let = 43   # expect error line 48: RB1001
      let = 44   # expect error line 49: RB1001
      let = 45   # expect error line 50: RB1001
      let = 46   # expect error line 51: RB1001
      let = 47   # expect error line 52: RB1001
      let = 48   # expect error line 53: RB1001
      let = 49   # expect error line 54: RB1001
      let = 50   # expect error line 55: RB1010
      let = 51
      let = 52
      let = 53
      let = 54
      let = 55
      let = 56
      let = 57
      let = 58
      let = 59
    }
  }
}
