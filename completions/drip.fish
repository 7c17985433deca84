# fish completion for drip(1).
# Commands covered: init seq step contact enroll tick event respond task gc report automate help.
#
# Every candidate comes from `drip __complete WORD...`, which reads the same
# command and option tables as drip's option parser and help, so this file
# never needs to change when a command or an option is added.  drip prints
# one candidate per line; ":file" and ":dir" ask for file or directory names.
#
# Install as share/fish/vendor_completions.d/drip.fish.

function __drip_complete
    set -l tokens
    # Earlier "--now=x" words go as "--now" "x", the form drip reads best.
    for t in (commandline -opc)
        if string match -qr -- '^--[^=]+=' $t
            set -a tokens (string replace -r -- '=.*' '' $t) (string replace -r -- '^[^=]*=' '' $t)
        else
            set -a tokens $t
        end
    end
    set -l cur (commandline -ct)
    set -l drip $tokens[1]
    if not command -q -- $drip
        set drip drip
        command -q drip; or return 0
    end
    set -l opt
    # "--format=js": complete the value, as the next word after the option.
    if string match -qr -- '^--[^=]+=' $cur
        set opt (string replace -r -- '=.*' '' $cur)
        set cur (string replace -r -- '^[^=]*=' '' $cur)
        set -a tokens $opt
    end
    for line in (command $drip __complete $tokens[2..-1] $cur 2>/dev/null)
        switch $line
            case :file
                __fish_complete_path $cur
            case :dir
                __fish_complete_directories $cur
            case ''
            case '*'
                if test -n "$opt"
                    echo $opt=$line
                else
                    echo $line
                end
        end
    end
end

complete -c drip -f -a '(__drip_complete)'
