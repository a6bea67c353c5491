# expect clean
# a file with nothing but comments is an empty library
