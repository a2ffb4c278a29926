function __cdsh_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cdsh_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cdsh_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cdsh_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cdsh_parse_tokens -S
    set -l unparsed_tokens (__cdsh_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cdsh'
        __cdsh_parse_subcommand 0 'c=+' 'f=' 'pipeline=' 'state=' 'continue-on-error' 'echo' 'no-pager' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'engine'
            __cdsh_parse_subcommand 1 'state=' 'name=' 'labels=' 'cache=' 'grace=' 'follow=' 'idle=' 'version' 'h/help'
        case 'help'
            __cdsh_parse_subcommand -r 1 'version'
        end
    end
end

function __cdsh_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cdsh_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __cdsh_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cdsh_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cdsh_tokens -p)
    if test -z "$(__cdsh_tokens -t)"
        set -l index (count (__cdsh_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cdsh' -f
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh"' -s 'c' -d 'Run these commands (`;` separates them); repeatable.' -rfka 'status submit patch show logs artifacts verify diff rerun approve reject cancel wait queue envs env rollback parity audit history check gc poll hooks notifications stats report help exit quit'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh" f' -s 'f' -d 'Run the commands in FILE (`-` for standard input); not with -c.' -rF
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh" pipeline' -l 'pipeline' -d 'The pipeline file (default: $CDSH_PIPELINE, else cdsh.yml here or in a parent folder).' -rfa '(set -l exts \'yml\' \'yaml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh" state' -l 'state' -d 'The state folder, or a team\'s store postgres://USER@HOST:PORT/DB (default: $CDSH_STATE, else .cdsh beside the pipeline file).' -rfa '(__cdsh_complete_directories)'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh" continue-on-error' -l 'continue-on-error' -d 'Go on after a failing command; the exit status is still the first failure\'s.'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh" echo' -l 'echo' -d 'Print each command to stderr before running it.'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh" no-pager' -l 'no-pager' -d 'Print long output straight to the terminal instead of through $CDSH_PAGER, $PAGER or less.'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh" version' -l 'version' -d 'Show the version.'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_positional "cdsh" -eq 1' -fa 'engine' -d 'Run the pipeline engine: for a state folder until it is idle, or as one of a team\'s engines.'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_positional "cdsh" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh engine" state' -l 'state' -d 'The state folder, or a team\'s store postgres://USER@HOST:PORT/DB (default: $CDSH_STATE, else .cdsh beside the pipeline file).' -rfa '(__cdsh_complete_directories)'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh engine" name' -l 'name' -d 'This engine\'s name among the team\'s engines (PostgreSQL only; required there).' -rfka ''
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh engine" labels' -l 'labels' -d 'Labels this engine holds, comma-separated (PostgreSQL only): it runs the work whose `runs-on:` it satisfies, such as --labels production,eu.' -rfka ''
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh engine" cache' -l 'cache' -d 'This engine\'s own folder: logs, workspaces, source clones, artifact cache (PostgreSQL only; default ~/.cache/cdsh/engines/NAME).' -rfka ''
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh engine" grace' -l 'grace' -d 'Seconds an engine may stay silent before another marks its running work interrupted (PostgreSQL only).' -rfka ''
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh engine" follow' -l 'follow' -d 'A pipeline file whose `trigger.poll` this engine follows: it fetches on that interval and, on a state folder, stays up while the file declares it.' -rfa '(set -l exts \'yml\' \'yaml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh engine" idle' -l 'idle' -d 'Seconds with nothing to do before the engine exits (state folder only).' -rfka ''
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh engine" version' -l 'version' -d 'Show the version.'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh engine" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cdsh' -n '__cdsh_should_offer_completions_for_flags_or_options "cdsh help" version' -l 'version' -d 'Show the version.'
