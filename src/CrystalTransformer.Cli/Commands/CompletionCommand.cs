using System.CommandLine;

namespace CrystalTransformer.Cli.Commands;

/// <summary>
/// <c>ct completion bash|zsh</c>: prints a shell function that completes ct's commands, options and shipped model names.
/// The function asks the program itself through System.CommandLine's suggest directive (<c>ct "[suggest:POS]" "LINE"</c>),
/// so completions always match the installed version; where it has nothing to offer, file names are completed.
/// </summary>
public static class CompletionCommand
{
    public const string Bash = """
        # bash completion for ct (CrystalTransformer). Enable with:  source <(ct completion bash)
        _ct_complete() {
            local IFS=$'\n'
            local suggestions
            suggestions=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
            COMPREPLY=($(compgen -W "${suggestions}" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -o bashdefault -F _ct_complete ct ./ct

        """;

    public const string Zsh = """
        # zsh completion for ct (CrystalTransformer). Enable with:  source <(ct completion zsh)   (after compinit)
        _ct_complete() {
            local -a suggestions
            suggestions=("${(@f)$(${words[1]} "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
            suggestions=(${suggestions:#})
            if (( ${#suggestions} > 0 )); then
                compadd -a suggestions
            else
                _files
            fi
        }
        compdef _ct_complete ct ./ct

        """;

    public static Command Create()
    {
        var shell = new Argument<string>("SHELL") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Print a shell completion script for ct. bash: add 'source <(ct completion bash)' to ~/.bashrc; " +
            "zsh: add 'source <(ct completion zsh)' to ~/.zshrc after compinit.")
        {
            shell,
        };
        command.SetAction(p =>
        {
            p.InvocationConfiguration.Output.Write(p.GetValue(shell) == "zsh" ? Zsh : Bash);
            return 0;
        });
        return command;
    }
}
