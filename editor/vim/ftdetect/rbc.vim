" editor/vim/ftdetect/rbc.vim: rbc runbooks share the .rb extension with Ruby.
" A .rb file is rbc when its first line that is not blank or a comment starts
" a runbook (`runbook "name" {`), an import (`import "lib.rb"`) or an rbc
" function (`fn name(args) {`), none of which is Ruby.  Set after Vim's own
" detection, so it overrides `ruby` for those files only.
" Install: copy editor/vim/ into ~/.vim/ (or `make install`, which puts it in
" $(datadir)/vim/vimfiles/).

function! s:DetectRbc() abort
  let l:last = min([line('$'), 200])
  for l:n in range(1, l:last)
    let l:text = getline(l:n)
    if l:text =~# '^\s*\%(#.*\)\=$'
      continue
    endif
    if l:text =~# '^\s*\%(runbook\s\+"\|import\s\+"\|fn\s\+\h\w*\s*(.*)\s*{\)'
      set filetype=rbc
    endif
    return
  endfor
endfunction

augroup rbc_ftdetect
  autocmd!
  autocmd BufNewFile,BufRead *.rb call s:DetectRbc()
  autocmd BufNewFile,BufRead *.rbc,*.runbook setfiletype rbc
augroup END
