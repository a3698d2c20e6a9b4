package org.enclaveos.signer.image.cli;

import java.io.PrintWriter;

import org.enclaveos.signer.cli.VerifyCommand;
import org.enclaveos.signer.sgx.Hash256;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The full jar's {@code verify}: the file command, and every signature of an image against its re-measured layout. */
@Command(name = "verify")
public final class ImageVerifyCommand extends VerifyCommand {
    @Option(names = "--memory-model", paramLabel = "MODEL", description = "For an image: sgx1, sgx2 or all (default: "
            + "every model with a signature).")
    String memoryModel;

    @Option(names = "--evidence", description = "For an image in a registry: also find the signing evidence attach "
            + "published next to it (an OCI referrer) and check it: its SIGSTRUCTs are the image's, each signs its "
            + "request's payload, the journal lines chain to their anchor; prints the ceremonies it records.")
    boolean evidence;

    final RegistryOptions registry = new RegistryOptions();

    @Mixin(name = "registry")
    picocli.CommandLine.Model.CommandSpec registryOptions = registry.mixin();

    @Override
    public Integer call() {
        if (evidence && java.nio.file.Files.exists(java.nio.file.Path.of(source))) {
            throw new org.enclaveos.signer.SignerException(org.enclaveos.signer.ErrorKind.USAGE, "--evidence: " + source
                    + " is a file; signing evidence is published next to images in a registry");
        }
        return super.call();
    }

    @Override
    protected Integer notAFile(String source, Hash256 expectedSigner, org.enclaveos.signer.policy.Policy policy,
                               boolean json, PrintWriter out, PrintWriter err) {
        if (!ImageCommands.accepts(source)) {
            return null;
        }
        return ImageCommands.verify(source, new ImageCommands.Options(memoryModel, registry.platform(),
                org.enclaveos.signer.image.ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE, json, registry.client()),
                expectedSigner, evidence, policy, policyOptions, out, err);
    }

    @Override
    protected org.enclaveos.signer.policy.PolicyFiles.YamlReader yamlReader() {
        return PolicyYaml::read;
    }
}
