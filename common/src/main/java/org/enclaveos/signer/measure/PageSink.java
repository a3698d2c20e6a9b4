package org.enclaveos.signer.measure;

/**
 * Where an enclave's build operations go, in build order: into a running measurement
 * ({@link #measuring()}), or out as an SGXS stream ({@link SgxsWriter}). Layout code (SDK enclaves,
 * layout manifests) is written once against this and never encodes a block itself.
 */
public interface PageSink {
    void ecreate(long ssaFrameSize, long enclaveSize);

    void eadd(long offset, long secinfoFlags);

    /** EEXTEND of the 256 bytes at {@code data[from..from+256)}. */
    void eextend(long offset, byte[] data, int from);

    /** EADD of a page, then EEXTEND of all its 16 chunks (4096 bytes from {@code from}). */
    default void addMeasuredPage(long offset, long secinfoFlags, byte[] page, int from) {
        eadd(offset, secinfoFlags);
        for (int c = 0; c < Measurement.CHUNKS_PER_PAGE; c++) {
            eextend(offset + (long) c * Measurement.CHUNK_SIZE, page, from + c * Measurement.CHUNK_SIZE);
        }
    }

    /** A sink that measures; {@link Measuring#mrenclave()} after the last operation. */
    static Measuring measuring() {
        return new Measuring();
    }

    /** The measuring sink: starts a {@link Measurement} at ECREATE and feeds it the rest. */
    final class Measuring implements PageSink {
        private Measurement measurement;

        @Override
        public void ecreate(long ssaFrameSize, long enclaveSize) {
            if (measurement != null) {
                throw new IllegalStateException("ECREATE twice");
            }
            measurement = Measurement.ecreate(ssaFrameSize, enclaveSize);
        }

        @Override
        public void eadd(long offset, long secinfoFlags) {
            started().eadd(offset, secinfoFlags);
        }

        @Override
        public void eextend(long offset, byte[] data, int from) {
            started().eextend(offset, data, from);
        }

        private Measurement started() {
            if (measurement == null) {
                throw new IllegalStateException("no ECREATE yet");
            }
            return measurement;
        }

        public org.enclaveos.signer.sgx.Hash256 mrenclave() {
            return started().finish();
        }

        /** An independent sink that goes on from the same running state (a shared prefix hashed once). */
        public Measuring copy() {
            Measuring m = new Measuring();
            m.measurement = started().copy();
            return m;
        }
    }
}
