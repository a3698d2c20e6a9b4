package org.enclaveos.signer.measure;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * The middle layer: the rules that make an SGXS stream canonical, checked record by record.
 * <ol>
 *   <li>The stream starts with exactly one ECREATE (an UNSIZED stream must be converted first).</li>
 *   <li>ECREATE's size is a power of two of at least one page; its SSA frame size is at least 1.</li>
 *   <li>EADD offsets are page-aligned, strictly increasing, and the page lies inside the enclave.</li>
 *   <li>EEXTEND and UNMEASRD chunks are 256-byte aligned, inside the page of the preceding EADD, and
 *       no chunk of a page appears twice.</li>
 * </ol>
 * Without these a stream could hash to a value no CPU would ever compute for it.
 */
final class CanonicalSgxs {
    private long enclaveSize = -1;
    private long ssaFrameSize;
    private long page = -1;
    private int chunksSeen;

    void accept(SgxsRecord r) {
        switch (r.type()) {
            case UNSIZED -> throw new SignerException(ErrorKind.UNSUPPORTED, r.where()
                    + ": UNSIZED record: the enclave size is not set yet, so this stream cannot be measured");
            case ECREATE -> ecreate(r);
            case EADD -> eadd(r);
            case EEXTEND, UNMEASURED -> chunk(r);
        }
    }

    private void ecreate(SgxsRecord r) {
        if (enclaveSize >= 0) {
            throw fail(r, "a second ECREATE; a stream has exactly one, first");
        }
        if (r.enclaveSize() < Measurement.PAGE_SIZE || Long.bitCount(r.enclaveSize()) != 1) {
            throw fail(r, String.format("ECREATE size 0x%x is not a power of two of at least 0x1000", r.enclaveSize()));
        }
        if (r.ssaFrameSize() < 1) {
            throw fail(r, "ECREATE SSA frame size is 0, expected at least 1 page");
        }
        enclaveSize = r.enclaveSize();
        ssaFrameSize = r.ssaFrameSize();
    }

    private void eadd(SgxsRecord r) {
        requireEcreate(r);
        long offset = r.offset();
        if ((offset & (Measurement.PAGE_SIZE - 1)) != 0) {
            throw fail(r, String.format("EADD offset 0x%x is not page-aligned", offset));
        }
        if (Long.compareUnsigned(offset, enclaveSize - Measurement.PAGE_SIZE) > 0) {
            throw fail(r, String.format("EADD offset 0x%x is beyond the enclave size 0x%x", offset, enclaveSize));
        }
        if (page >= 0 && offset <= page) {
            throw fail(r, String.format("EADD offset 0x%x does not follow the previous page 0x%x", offset, page));
        }
        page = offset;
        chunksSeen = 0;
    }

    private void chunk(SgxsRecord r) {
        requireEcreate(r);
        String name = r.type().displayName();
        long offset = r.offset();
        if (page < 0) {
            throw fail(r, String.format("%s offset 0x%x comes before any EADD", name, offset));
        }
        if ((offset & (Measurement.CHUNK_SIZE - 1)) != 0) {
            throw fail(r, String.format("%s offset 0x%x is not 256-byte aligned", name, offset));
        }
        if (offset < page || offset - page >= Measurement.PAGE_SIZE) {
            throw fail(r, String.format("%s offset 0x%x is outside the page 0x%x of the preceding EADD", name, offset, page));
        }
        int bit = 1 << (int) ((offset - page) / Measurement.CHUNK_SIZE);
        if ((chunksSeen & bit) != 0) {
            throw fail(r, String.format("%s offset 0x%x: this chunk was already added", name, offset));
        }
        chunksSeen |= bit;
    }

    private void requireEcreate(SgxsRecord r) {
        if (enclaveSize < 0) {
            throw fail(r, r.type().displayName() + " before ECREATE; a stream starts with ECREATE");
        }
    }

    /** Called at the end of the stream. */
    void finish() {
        if (enclaveSize < 0) {
            throw SignerException.malformed("empty SGXS stream: expected an ECREATE record");
        }
    }

    long enclaveSize() {
        return enclaveSize;
    }

    long ssaFrameSize() {
        return ssaFrameSize;
    }

    private static SignerException fail(SgxsRecord r, String message) {
        return SignerException.malformed(r.where() + ": " + message);
    }
}
