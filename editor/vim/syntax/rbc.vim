" editor/vim/syntax/rbc.vim: syntax highlighting for rbc runbooks
" (docs/language.md: keywords, contextual words, literals, strings with
" ${...} interpolation, comments and `# rbc:` suppression directives).

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match

" {==== keywords ====
syn keyword rbcStructure runbook phase step checklist item troubleshoot monitor trigger
syn keyword rbcStructure contact resource
syn keyword rbcDeclare   param secret fn let import
syn keyword rbcConditional if else when
syn keyword rbcRepeat    for in retry wait parallel
syn keyword rbcStatement return assert sh confirm log fail
syn keyword rbcKeyword   within on
syn keyword rbcOperator  and or not
syn keyword rbcBoolean   true false
syn keyword rbcNull      null
syn keyword rbcHttpMethod GET POST PUT PATCH DELETE HEAD
" contextual words: only in their clause positions, so `value` or `max` stay names
syn match rbcClause "\<\%(until\|every\|timeout\|backoff\|max\|verify\|value\|normal\|alert\)\>\ze\s\+[^=:]"
syn match rbcClause "\<on\s\+failure\s\+\%(continue\|abort\|troubleshoot\)\>" contains=rbcKeyword
syn match rbcClause "\<trigger\s\+\zs\%(auto\|manual\)\>"
syn match rbcClause "\<assert\s\+\zshttp\>"
syn match rbcClause "\<\%(contains\|json\|header\)\>\ze\s\+[\"0-9a-zA-Z_]"
syn match rbcMeta   "^\s*\zs\%(title\|criticality\|expected\|rpo\|rto\|owner\|tested\|review\|status\|version\)\>\ze\s"
" }====

" {==== literals ====
syn match rbcNumber   "\<\d[0-9_]*\>"
syn match rbcNumber   "\<0[xX]\x[0-9a-fA-F_]*\>"
syn match rbcFloat    "\<\d[0-9_]*\.\d[0-9_]*\%([eE][-+]\=\d\+\)\=\>"
syn match rbcFloat    "\<\d[0-9_]*[eE][-+]\=\d\+\>"
syn match rbcDuration "\<\%(\d[0-9_]*\%(ms\|s\|m\|h\|d\)\)\+\>"
syn match rbcPercent  "\<\d[0-9_]*\%(\.\d[0-9_]*\)\=%\%([A-Za-z0-9_(]\)\@!"
syn match rbcStatusClass "\<[1-5]xx\>"

syn match  rbcEscape contained +\\\%([ntr\\"$0]\|u{\x\{1,8}}\)+
syn region rbcInterp contained matchgroup=rbcInterpDelim start=+\${+ end=+}+ contains=TOP
syn region rbcString      start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=rbcEscape,rbcInterp
syn region rbcRawString   start=+\<r"+ end=+"+ end=+$+
syn region rbcString      start=+"""+ skip=+\\\\\|\\"+ end=+"""+ contains=rbcEscape,rbcInterp
syn region rbcRawString   start=+\<r"""+ end=+"""+
" }====

" {==== comments, calls ====
syn keyword rbcTodo contained TODO FIXME XXX NOTE
syn match   rbcDirective contained "\<rbc:\s*\%(ignore-file\|ignore\|disable\|enable\)\[[^]]*\]"
syn match   rbcComment "#.*$" contains=rbcTodo,rbcDirective,@Spell
syn match   rbcFunction "\<\h\w*\ze("
syn match   rbcAws "\<aws\.\h\w*\.\h\w*\ze("
" }====

hi def link rbcStructure   Structure
hi def link rbcDeclare     Keyword
hi def link rbcConditional Conditional
hi def link rbcRepeat      Repeat
hi def link rbcStatement   Statement
hi def link rbcKeyword     Keyword
hi def link rbcOperator    Operator
hi def link rbcBoolean     Boolean
hi def link rbcNull        Constant
hi def link rbcHttpMethod  Constant
hi def link rbcClause      Keyword
hi def link rbcMeta        Identifier
hi def link rbcNumber      Number
hi def link rbcFloat       Float
hi def link rbcDuration    Number
hi def link rbcPercent     Number
hi def link rbcStatusClass Number
hi def link rbcString      String
hi def link rbcRawString   String
hi def link rbcEscape      SpecialChar
hi def link rbcInterpDelim Delimiter
hi def link rbcTodo        Todo
hi def link rbcDirective   PreProc
hi def link rbcComment     Comment
hi def link rbcFunction    Function
hi def link rbcAws         Function

let b:current_syntax = 'rbc'

let &cpo = s:cpo_save
unlet s:cpo_save
