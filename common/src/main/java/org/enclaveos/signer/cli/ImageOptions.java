package org.enclaveos.signer.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import picocli.CommandLine.Option;

/** The options every command that can read an image takes (a picocli mixin). */
public final class ImageOptions {
    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "For an image index: which image (default linux/amd64).")
    public String platform;

    @Option(names = "--insecure-registry", paramLabel = "HOST", description = "Speak plain HTTP to this registry "
            + "(loopback registries always are). Repeatable.")
    public List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--registry-timeout", paramLabel = "SECONDS", description = "How long to wait for a registry's "
            + "answer, or for more data while a blob is read, before trying again (default 60).")
    public int registryTimeoutSeconds = 60;

    public Set<String> insecure() {
        return Set.copyOf(insecureRegistries);
    }

    /** The --registry-timeout, checked. */
    public java.time.Duration registryTimeout() {
        if (registryTimeoutSeconds < 1) {
            throw new org.enclaveos.signer.SignerException(org.enclaveos.signer.ErrorKind.USAGE,
                    "--registry-timeout must be at least 1 second, not " + registryTimeoutSeconds);
        }
        return java.time.Duration.ofSeconds(registryTimeoutSeconds);
    }

    /** The image options for {@link ImageSupport}. */
    public ImageSupport.Options toSupport(String memoryModel, long maxLayoutSize, boolean json) {
        return new ImageSupport.Options(memoryModel, platform, maxLayoutSize, json, insecure(), registryTimeout());
    }
}
