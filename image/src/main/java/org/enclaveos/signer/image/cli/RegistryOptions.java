package org.enclaveos.signer.image.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.image.RegistryClient;

import picocli.CommandLine.Option;

/**
 * The one set of options for every command that reads or writes an image (a picocli mixin): prepare,
 * attach, the one-shot form, and measure, inspect and verify of an image. Only the image module has
 * them, so the air-gapped jar's help never offers a registry option.
 */
public final class RegistryOptions {
    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "For an image index: which image (default linux/amd64).")
    public String platform;

    @Option(names = "--insecure-registry", paramLabel = "HOST", description = "Speak plain HTTP to this registry "
            + "(loopback registries always are). Repeatable.")
    public List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--registry-timeout", paramLabel = "SECONDS", description = "How long to wait for a registry's "
            + "answer, or for more data while a blob is read, before trying again (default 60).")
    public int registryTimeoutSeconds = 60;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    /** The registry client's options these stand for, checked, with the command's progress lines on stderr. */
    public RegistryClient.Options client() {
        if (registryTimeoutSeconds < 1) {
            throw new SignerException(ErrorKind.USAGE, "--registry-timeout must be at least 1 second, not "
                    + registryTimeoutSeconds);
        }
        return RegistryClient.Options.of(Set.copyOf(insecureRegistries), Duration.ofSeconds(registryTimeoutSeconds))
                .withProgress(mixee == null ? org.enclaveos.signer.io.Progress.NONE
                        : org.enclaveos.signer.cli.ProgressLine.forCommand(mixee));
    }
}
