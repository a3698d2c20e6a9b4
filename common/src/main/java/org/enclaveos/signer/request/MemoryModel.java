package org.enclaveos.signer.request;

import java.util.List;
import java.util.Locale;

/**
 * The two memory layouts of a converted (EnclaveOS / Data Shield) enclave. Each has its own
 * MRENCLAVE and so its own SIGSTRUCT, carried in its own image config variable.
 */
public enum MemoryModel {
    /** Every page EADDed at build time, free heap included ("full"). Runs on SGX1 and SGX2. */
    SGX1("sgx1", "full", "ENCLAVEOS_SIGNATURE"),
    /** The free heap left out and added at run time with EAUG ("minimal"). Needs SGX2. */
    SGX2("sgx2", "minimal", "ENCLAVEOS_SIGNATURE2");

    private final String id;
    private final String alias;
    private final String envVariable;

    MemoryModel(String id, String alias, String envVariable) {
        this.id = id;
        this.alias = alias;
        this.envVariable = envVariable;
    }

    public String id() {
        return id;
    }

    /** The image config variable that carries this model's SIGSTRUCT. */
    public String envVariable() {
        return envVariable;
    }

    /** Parses sgx1, sgx2, full, minimal (any case); "all" is both. */
    public static List<MemoryModel> parseSelection(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.equals("all")) {
            return List.of(SGX1, SGX2);
        }
        for (MemoryModel m : values()) {
            if (m.id.equals(v) || m.alias.equals(v)) {
                return List.of(m);
            }
        }
        throw new IllegalArgumentException("memory model must be sgx1, sgx2, all (or full, minimal), got '" + value + "'");
    }

    /**
     * The one parser of {@code --memory-model} (and a batch line's "memoryModel"): sgx1, sgx2, all, or
     * the aliases; a bad value is a usage error naming the option.
     */
    public static java.util.Set<MemoryModel> parseOption(String option, String value) {
        try {
            return java.util.EnumSet.copyOf(parseSelection(value));
        } catch (IllegalArgumentException e) {
            throw new org.enclaveos.signer.SignerException(org.enclaveos.signer.ErrorKind.USAGE, option + ": " + e.getMessage());
        }
    }

    public static MemoryModel fromId(String id) {
        for (MemoryModel m : values()) {
            if (m.id.equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown memory model '" + id + "'");
    }
}
