package org.enclaveos.signer.image.cli;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.cli.CommandModel;
import org.enclaveos.signer.image.RegistryClient;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one set of options for every command that reads or writes an image (a picocli mixin): prepare,
 * attach, the one-shot form, and measure, inspect and verify of an image. Only the image module has
 * them, so the air-gapped jar's help never offers a registry option. Built programmatically
 * ({@link org.enclaveos.signer.cli.Cli.Programmatic}): the root command, which is, mixes it in. An
 * annotated command mixes in {@link #mixin()} with {@code @Mixin CommandSpec}.
 */
public final class RegistryOptions {
    private final OptionSpec platform = CommandModel.option(String.class, "OS/ARCH",
            "For an image index: which image (default linux/amd64).", "--platform").build();

    private final OptionSpec insecureRegistries = CommandModel.option(List.class, "HOST", "Speak plain HTTP to this "
            + "registry (loopback registries always are). Repeatable.", "--insecure-registry").auxiliaryTypes(String.class).build();

    private final OptionSpec registryTimeout = CommandModel.option(int.class, "SECONDS", "How long to wait for a "
            + "registry's answer, or for more data while a blob is read, before trying again (default 60).",
            "--registry-timeout").initialValue(60).build();

    private final CommandSpec mixin = CommandSpec.create().addOption(platform).addOption(insecureRegistries)
            .addOption(registryTimeout);

    /** The options, for a command to mix in. */
    public CommandSpec mixin() {
        return mixin;
    }

    /** --platform, or null. */
    public String platform() {
        return platform.getValue();
    }

    /** The registry client's options these stand for, checked, with the command's progress lines on stderr. */
    public RegistryClient.Options client() {
        int registryTimeoutSeconds = registryTimeout.getValue();
        if (registryTimeoutSeconds < 1) {
            throw new SignerException(ErrorKind.USAGE, "--registry-timeout must be at least 1 second, not "
                    + registryTimeoutSeconds);
        }
        List<String> insecure = insecureRegistries.getValue();
        // Once mixed in, an option belongs to the command that took it; that command's stderr gets the progress.
        CommandSpec mixee = platform.command();
        return RegistryClient.Options.of(insecure == null ? Set.of() : Set.copyOf(insecure),
                Duration.ofSeconds(registryTimeoutSeconds))
                .withProgress(mixee == mixin || mixee.commandLine() == null ? org.enclaveos.signer.io.Progress.NONE
                        : org.enclaveos.signer.cli.ProgressLine.forCommand(mixee));
    }
}
