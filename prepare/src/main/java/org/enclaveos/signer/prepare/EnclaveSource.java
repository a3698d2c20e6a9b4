package org.enclaveos.signer.prepare;

import java.nio.file.Path;

import org.enclaveos.signer.sgx.Hash256;

/** Where an enclave's measurement comes from: exactly one of these for each {@link PrepareSpec}. */
public sealed interface EnclaveSource {

    /** What progress lines and batch summaries call this source. */
    String label();

    /** An enclave file given as {@code --enclave} or a batch line's {@code enclave}: Open Enclave's or the SDK's, by its content. */
    static EnclaveSource enclaveFile(Path file) {
        return org.enclaveos.signer.oe.OeEnclave.isOeEnclave(file) ? new OeEnclave(file, null) : new SdkEnclave(file);
    }

    /**
     * A converted container image: docker://HOST/REPO:TAG (the default transport), oci:DIR[:TAG] or
     * docker-archive:FILE. Each memory model's layout is re-measured and compared with the converter's
     * signature.
     */
    record Image(String reference) implements EnclaveSource {
        @Override
        public String label() {
            return reference;
        }
    }

    /** An SGXS stream on disk, measured as it is. */
    record Sgxs(Path file) implements EnclaveSource {
        @Override
        public String label() {
            return "--sgxs " + file;
        }
    }

    /** A layout manifest, its content paths relative to it, measured for one memory model. */
    record Layout(Path file) implements EnclaveSource {
        @Override
        public String label() {
            return "--layout " + file;
        }
    }

    /** An Intel SGX SDK signed enclave, re-measured from its own metadata; its SIGSTRUCT gives the defaults. */
    record SdkEnclave(Path file) implements EnclaveSource {
        @Override
        public String label() {
            return "--enclave " + file;
        }
    }

    /**
     * An Open Enclave (or EGo) enclave, signed or not, re-measured as OE's loader builds it with the
     * properties of its {@code .oeinfo}, or of an oesign configuration laid over them ({@code config},
     * may be null).
     */
    record OeEnclave(Path file, Path config) implements EnclaveSource {
        @Override
        public String label() {
            return "--enclave " + file + (config == null ? "" : " --config " + config);
        }
    }

    /** A measurement given as it is (nothing re-measured: the request says so). */
    record Given(Hash256 mrenclave) implements EnclaveSource {
        @Override
        public String label() {
            return "--mrenclave " + mrenclave.hex();
        }
    }
}
