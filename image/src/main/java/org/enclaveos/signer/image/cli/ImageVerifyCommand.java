package org.enclaveos.signer.image.cli;

import java.io.PrintWriter;

import org.enclaveos.signer.cli.CommandModel;
import org.enclaveos.signer.cli.VerifyCommand;
import org.enclaveos.signer.sgx.Hash256;

import picocli.CommandLine.Model.OptionSpec;

/** The full jar's {@code verify}: the file command, and every signature of an image against its re-measured layout. */
public final class ImageVerifyCommand extends VerifyCommand {
    private final OptionSpec memoryModel = CommandModel.option(String.class, "MODEL", "For an image: sgx1, sgx2 or all "
            + "(default: every model with a signature).", "--memory-model").build();

    private final OptionSpec evidence = CommandModel.flag("For an image in a registry: also find the signing evidence "
            + "attach published next to it (an OCI referrer) and check it: its SIGSTRUCTs are the image's, each signs its "
            + "request's payload, the journal lines chain to their anchor; prints the ceremonies it records.", "--evidence");

    private final RegistryOptions registry = new RegistryOptions();

    public ImageVerifyCommand() {
        spec.addOption(memoryModel).addOption(evidence).addMixin("registry", registry.mixin());
    }

    @Override
    public Integer call() {
        if (evidence.<Boolean>getValue() && java.nio.file.Files.exists(java.nio.file.Path.of(source()))) {
            throw new org.enclaveos.signer.SignerException(org.enclaveos.signer.ErrorKind.USAGE, "--evidence: " + source()
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
        return ImageCommands.verify(source, new ImageCommands.Options(memoryModel.getValue(), registry.platform(),
                org.enclaveos.signer.image.ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE, json, registry.client()),
                expectedSigner, evidence.getValue(), policy, policyOptions, out, err);
    }

    @Override
    protected org.enclaveos.signer.policy.PolicyFiles.YamlReader yamlReader() {
        return PolicyYaml::read;
    }
}
