package org.enclaveos.signer.measure;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes build operations as an SGXS stream (Fortanix format): the measurement blocks themselves,
 * so the SHA-256 of what this writes is the MRENCLAVE of the same operations.
 */
public final class SgxsWriter implements PageSink {
    private final OutputStream out;
    private final byte[] block = new byte[Measurement.BLOCK_SIZE];

    public SgxsWriter(OutputStream out) {
        this.out = out;
    }

    @Override
    public void ecreate(long ssaFrameSize, long enclaveSize) {
        Measurement.encodeEcreate(block, ssaFrameSize, enclaveSize);
        write(block, 0, block.length);
    }

    @Override
    public void eadd(long offset, long secinfoFlags) {
        Measurement.encodeEadd(block, offset, secinfoFlags);
        write(block, 0, block.length);
    }

    @Override
    public void eextend(long offset, byte[] data, int from) {
        Measurement.encodeEextend(block, offset);
        write(block, 0, block.length);
        write(data, from, Measurement.CHUNK_SIZE);
    }

    private void write(byte[] b, int off, int len) {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
