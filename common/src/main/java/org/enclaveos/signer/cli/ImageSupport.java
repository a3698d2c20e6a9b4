package org.enclaveos.signer.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Container-image support for the file-level commands, found at run time: the full enclaveos-signer
 * jar has it (the image module), the air-gapped sign-offline jar does not, and common stays free of
 * image code. An argument that is not an existing file is offered to it.
 */
public interface ImageSupport {

    /** Options of the calling command that apply to images. */
    record Options(String memoryModel, String platform, long maxLayoutSize, boolean json,
                   java.util.Set<String> insecureRegistries, java.time.Duration registryTimeout) {
    }

    /** {@code verify IMAGE}: re-measure each layout, check each signature against it and the signer. */
    int verify(String reference, Options options, org.enclaveos.signer.sgx.Hash256 expectedSigner, PrintWriter out,
               PrintWriter err);

    /** Whether {@code argument} looks like an image reference this support can open. */
    boolean accepts(String argument);

    /** {@code measure IMAGE}: MRENCLAVE per memory model. Returns the exit code. */
    int measure(String reference, Options options, PrintWriter out, PrintWriter err);

    /** {@code inspect IMAGE}: the converter's signatures decoded, and the layout labels. */
    int inspect(String reference, Options options, PrintWriter out, PrintWriter err);

    static Optional<ImageSupport> find() {
        return ServiceLoader.load(ImageSupport.class).findFirst();
    }

    /** The image support that takes {@code argument}, if there is one and it looks like an image reference. */
    static Optional<ImageSupport> forArgument(String argument) {
        return find().filter(s -> s.accepts(argument));
    }
}
