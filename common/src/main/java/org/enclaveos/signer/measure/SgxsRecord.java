package org.enclaveos.signer.measure;

/**
 * One record of an SGXS stream (Fortanix format). The layout of each record is the measurement block
 * of {@link Measurement}; the enhanced-SGXS records UNMEASRD and UNSIZED are not measured.
 *
 * @param type     what the record is
 * @param number   1-based position in the stream, for error messages
 * @param position byte offset of the record in the stream
 * @param offset   EADD/EEXTEND/UNMEASRD: enclave offset; ECREATE/UNSIZED: SSA frame size in pages
 * @param value    EADD: SECINFO.FLAGS; ECREATE: enclave size in bytes; otherwise 0
 */
public record SgxsRecord(Type type, long number, long position, long offset, long value) {

    public enum Type {
        ECREATE("ECREATE\0", 0, true),
        EADD("EADD\0\0\0\0", 0, true),
        EEXTEND("EEXTEND\0", Measurement.CHUNK_SIZE, true),
        UNMEASURED("UNMEASRD", Measurement.CHUNK_SIZE, false),
        UNSIZED("UNSIZED\0", 0, false);

        private final String tag;
        private final String displayName;
        private final long tagValue;
        private final int dataSize;
        private final boolean measured;

        Type(String tag, int dataSize, boolean measured) {
            this.tag = tag;
            // Once, not per record: a GiB of SGXS is 3.3 million records (issue 17's profile).
            this.displayName = tag.replace("\0", "");
            this.tagValue = org.enclaveos.signer.io.LittleEndian.u64(
                    tag.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
            this.dataSize = dataSize;
            this.measured = measured;
        }

        /** Whether the record's bytes, exactly as stored, are part of MRENCLAVE's input. */
        public boolean measured() {
            return measured;
        }

        public String tag() {
            return tag;
        }

        /** The 8 tag bytes read as a little-endian u64, for matching without allocating. */
        long tagValue() {
            return tagValue;
        }

        /** Bytes of data that follow the 64-byte header. */
        public int dataSize() {
            return dataSize;
        }

        public String displayName() {
            return displayName;
        }
    }

    public long ssaFrameSize() {
        return offset;
    }

    public long enclaveSize() {
        return value;
    }

    public long secinfoFlags() {
        return value;
    }

    /** "record 7 at byte 448", the prefix of every error about this record. */
    public String where() {
        return "record " + number + " at byte " + position;
    }
}
