package org.enclaveos.signer.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The {@code enclaveos-signer} command: every step's subcommands in one jar. */
@Command(name = Cli.NAME, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Re-sign Intel SGX enclaves in converted container images with a key that never touches "
            + "a networked machine.",
        subcommands = {
            org.enclaveos.signer.prepare.PrepareCommand.class,
            org.enclaveos.signer.signoffline.SignOfflineCommand.class,
            org.enclaveos.signer.attach.AttachCommand.class,
            MeasureCommand.class,
            InspectCommand.class,
            VerifyCommand.class,
            KeygenCommand.class,
            AutoComplete.GenerateCompletion.class,
        })
public final class EnclaveosSigner implements Runnable {
    @Mixin
    GlobalOptions global;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.run(new EnclaveosSigner(), args));
    }

    @Override
    public void run() {
        // No subcommand: show what there is, as git does.
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
