package org.enclaveos.signer.measure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Hash256;

/** The top layer: measures a canonical SGXS stream. */
public final class Sgxs {
    private Sgxs() {
    }

    /** What measuring an SGXS stream found. */
    public record Result(Hash256 mrenclave, long enclaveSize, long ssaFrameSize, long pages,
                         long measuredChunks, long unmeasuredChunks, long bytes) {
    }

    /** Measures a file; errors are prefixed with its name. */
    public static Result measure(Path file) {
        return measure(file, org.enclaveos.signer.io.Progress.NONE);
    }

    /** Measures an SGXS file, reporting the bytes read to {@code progress}. */
    public static Result measure(Path file, org.enclaveos.signer.io.Progress progress) {
        // A file channel: read straight into the reader's direct buffers (SgxsReader).
        try (ReadableByteChannel in = progress.counting(FileChannel.open(file), "measuring " + file, Files.size(file))) {
            return measure(in);
        } catch (SignerException e) {
            throw e.in(file.toString());
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Measures a stream with constant memory. The reader checks every record against the canonical
     * rules and hands the measured records' bytes, unchanged, to the running SHA-256: for a valid SGXS
     * stream those bytes are exactly the blocks {@link Measurement} would encode.
     */
    public static Result measure(InputStream stream) throws IOException {
        return measure(Channels.newChannel(stream));
    }

    /** As {@link #measure(InputStream)}, from a channel (a file's reads straight into direct buffers). */
    public static Result measure(ReadableByteChannel stream) throws IOException {
        Measurement m = Measurement.forSgxsStream();
        try (HashingThread hasher = new HashingThread(m)) {
            return measure(stream, m, hasher);
        }
    }

    private static Result measure(ReadableByteChannel stream, Measurement m, HashingThread hasher) throws IOException {
        SgxsReader reader = new SgxsReader(stream, hasher);
        CanonicalSgxs rules = new CanonicalSgxs();
        long pages = 0;
        long measured = 0;
        long unmeasured = 0;
        long bytes = 0;
        for (SgxsRecord r; (r = reader.next()) != null; ) {
            rules.accept(r);
            bytes = r.position() + Measurement.BLOCK_SIZE + r.type().dataSize();
            switch (r.type()) {
                case EADD -> pages++;
                case EEXTEND -> measured++;
                case UNMEASURED -> unmeasured++;
                case ECREATE, UNSIZED -> { }
            }
        }
        rules.finish();
        reader.finish();
        hasher.drain();
        return new Result(m.finish(), rules.enclaveSize(), rules.ssaFrameSize(), pages, measured, unmeasured, bytes);
    }
}
