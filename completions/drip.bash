# bash completion for drip(1).
# Commands covered: init seq step contact enroll tick event respond task gc report automate help.
#
# Every candidate comes from `drip __complete WORD...`, which reads the same
# command and option tables as drip's option parser and help, so this file
# never needs to change when a command or an option is added.  drip prints
# one candidate per line; ":file" and ":dir" ask for file or directory names;
# a candidate ending in '=' (FIELD=) takes no space after it.
#
# Install as share/bash-completion/completions/drip, or source it.

# The words of the command line up to the cursor, after the command name,
# into the array _drip_words.  bash splits "--now=x" and "email=x" at '='
# (it is in COMP_WORDBREAKS); drip wants them whole, so the pieces are
# joined again.
_drip_line_words()
{
	local i tok n join=0

	_drip_words=()
	for ((i = 1; i <= COMP_CWORD; i++)); do
		tok=${COMP_WORDS[i]-}
		n=${#_drip_words[@]}
		if ((join)); then
			_drip_words[n - 1]+=$tok
			join=0
		elif [[ $tok == = && $n -gt 0 ]]; then
			_drip_words[n - 1]+=$tok
			join=1
		else
			_drip_words+=("$tok")
		fi
	done
	if ((${#_drip_words[@]} == 0)); then
		_drip_words=("")
	fi
}

_drip()
{
	local drip cur opt="" line n
	local -a _drip_words out args

	drip=${COMP_WORDS[0]:-drip}
	[[ $drip == "~/"* ]] && drip=$HOME/${drip#"~/"}
	if ! type -P -- "$drip" >/dev/null 2>&1; then
		drip=drip
		type -P drip >/dev/null 2>&1 || return 0
	fi

	_drip_line_words
	n=${#_drip_words[@]}
	cur=${_drip_words[n - 1]}
	# Earlier "--now=x" words go as "--now" "x", the form drip reads best.
	args=()
	for line in "${_drip_words[@]:0:n-1}"; do
		if [[ $line == --?*=* ]]; then
			args+=("${line%%=*}" "${line#*=}")
		else
			args+=("$line")
		fi
	done

	# "--format=js": complete the value, as the next word after the option.
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
		args+=("$opt")
	fi

	# (read loops rather than mapfile, for bash 3.)
	out=()
	while IFS= read -r line; do
		out+=("$line")
	done < <(command "$drip" __complete "${args[@]}" "$cur" 2>/dev/null)

	COMPREPLY=()
	for line in "${out[@]}"; do
		case $line in
		:file | :dir)
			# compgen -f for files, -d for directories.
			[[ $line == :file ]] && line=-f || line=-d
			compopt -o filenames 2>/dev/null
			while IFS= read -r n; do
				COMPREPLY+=("$n")
			done < <(compgen "$line" -- "$cur")
			;;
		"")
			;;
		*=)
			# FIELD= (contact set ID): the value follows, no space.
			compopt -o nospace 2>/dev/null
			COMPREPLY+=("$line")
			;;
		*)
			# When '=' does not break words, the value replaces the
			# whole "--opt=value" word.
			if [[ -n $opt && $COMP_WORDBREAKS != *=* ]]; then
				COMPREPLY+=("$opt=$line")
			else
				COMPREPLY+=("$line")
			fi
			;;
		esac
	done
	return 0
}

complete -F _drip drip
