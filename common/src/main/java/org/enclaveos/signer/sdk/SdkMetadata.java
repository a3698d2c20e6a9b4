package org.enclaveos.signer.sdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * One SDK {@code metadata_t} block, parsed and validated the way the SDK's loader does before it
 * trusts a count: version, TCS policy, SSA frame size, a power-of-two enclave size, every directory
 * inside the block, every table entry inside the block. Page ranges are checked later, after group
 * expansion, by {@link SdkEnclaveLayout}. Features we have no vector for are refused by name.
 */
record SdkMetadata(int major, int minor, int size, long ssaFrameSize, long enclaveSize, byte[] raw,
                   List<Patch> patches, List<LayoutEntry> layout) {

    static final int HEADER_SIZE = 1872;
    static final int DIR_PATCH = 0;
    static final int DIR_LAYOUT = 1;
    static final int DIR_ELRANGE = 2;
    static final int DIR_EXTEND = 3;
    static final int ENTRY_SIZE = 32;
    static final int EXTEND_ENTRY_SIZE = 16;
    static final int EXTEND_FIPS_SIGNATURE = 0x1001;
    static final int EXTEND_FIPS_SHARED_OBJECT = 0x1002;
    static final int MAX_SSA_FRAME_PAGES = 4;
    static final long MAX_ENCLAVE_SIZE = 1L << 47;

    /** patch_entry_t: {@code size} bytes from block offset {@code src} over FILE offset {@code dst}. */
    record Patch(long dst, int src, int size) {
    }

    /** layout_entry_t, or (group) layout_group_t: the previous {@code entryCount} entries, {@code loadTimes} more times. */
    record LayoutEntry(int index, int id, int attributes, long pageCount, long rva, int contentSize, int contentOffset,
                       long siFlags, boolean group, int entryCount, long loadTimes, long loadStep) {
        static final int GROUP_BIT = 0x1000;
        static final int EADD = 0x1;
        static final int EEXTEND = 0x2;
    }

    String version() {
        return major + "." + minor;
    }

    static SdkMetadata parse(byte[] block, String where) {
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        long version = b.getLong(8);
        int major = (int) (version >>> 32);
        int minor = (int) version;
        int size = block.length;
        if (major > 10) {
            throw unsupported(where, "metadata v" + major + "." + minor + " describes an ELRANGE enclave; ELRANGE "
                    + "is not supported (no test vector)");
        }
        if (major < 1 || major % 10 > 3) {
            throw bad(where, "metadata version " + major + "." + minor + " is not an SDK version (major 1..3)");
        }
        if (major % 10 == 1 && minor <= 3) {
            throw unsupported(where, "metadata v" + major + "." + minor + " (\"SGX 1.5\" format) is not supported "
                    + "(its extra-page rule has no test vector)");
        }
        // The directories follow the header: PATCH and LAYOUT always, ELRANGE and EXTEND where the version has them.
        int directories = supportsExtend(major, minor) ? 4 : 2;
        if (size < HEADER_SIZE + 8 * directories) {
            throw bad(where, "block size " + size + " is smaller than a v" + major + "." + minor + " metadata header ("
                    + (HEADER_SIZE + 8 * directories) + " bytes with its " + directories + " directories)");
        }
        long tcsPolicy = Integer.toUnsignedLong(b.getInt(20));
        long ssa = Integer.toUnsignedLong(b.getInt(24));
        long enclaveSize = b.getLong(40);
        if (tcsPolicy > 1) {
            throw bad(where, "tcs_policy is " + tcsPolicy + ", expected 0 or 1");
        }
        if (ssa < 1 || ssa > MAX_SSA_FRAME_PAGES) {
            throw bad(where, "ssa_frame_size is " + ssa + " pages, expected 1.." + MAX_SSA_FRAME_PAGES);
        }
        if (enclaveSize < 4096 || Long.bitCount(enclaveSize) != 1 || enclaveSize > MAX_ENCLAVE_SIZE) {
            throw bad(where, String.format("enclave_size 0x%x is not a power of two between 4 KiB and 128 TiB", enclaveSize));
        }
        if (supportsExtend(major, minor)) {
            ByteBuffer extend = dir(b, DIR_EXTEND, size, EXTEND_ENTRY_SIZE, where, "EXTEND");
            for (int at = 0; at + EXTEND_ENTRY_SIZE <= extend.limit(); at += EXTEND_ENTRY_SIZE) {
                int id = extend.getInt(at);
                if (id == EXTEND_FIPS_SHARED_OBJECT) {
                    throw unsupported(where, "the enclave carries a FIPS shared object (extend entry 0x1002); "
                            + "measuring it is not supported (no test vector)");
                }
            }
        }
        List<Patch> patches = new ArrayList<>();
        ByteBuffer pt = dir(b, DIR_PATCH, size, ENTRY_SIZE, where, "PATCH");
        for (int at = 0; at < pt.limit(); at += ENTRY_SIZE) {
            long dst = pt.getLong(at);
            long src = Integer.toUnsignedLong(pt.getInt(at + 8));
            long len = Integer.toUnsignedLong(pt.getInt(at + 12));
            if (src + len > size || dst < 0 || len > Integer.MAX_VALUE) {
                throw bad(where, "patch entry " + at / ENTRY_SIZE + " copies block bytes " + src + "+" + len
                        + " from outside the block (size " + size + ")");
            }
            patches.add(new Patch(dst, (int) src, (int) len));
        }
        List<LayoutEntry> layout = new ArrayList<>();
        ByteBuffer lt = dir(b, DIR_LAYOUT, size, ENTRY_SIZE, where, "LAYOUT");
        for (int at = 0, i = 0; at < lt.limit(); at += ENTRY_SIZE, i++) {
            int id = Short.toUnsignedInt(lt.getShort(at));
            if ((id & LayoutEntry.GROUP_BIT) != 0) {
                int count = Short.toUnsignedInt(lt.getShort(at + 2));
                long times = Integer.toUnsignedLong(lt.getInt(at + 4));
                long step = lt.getLong(at + 8);
                if (count == 0 || count > i) {
                    throw bad(where, "layout group " + i + " repeats " + count + " entries but only " + i + " come before it");
                }
                for (int k = i - count; k < i; k++) {
                    if (layout.get(k).group()) {
                        throw bad(where, "layout group " + i + " repeats group " + k + "; groups cannot nest");
                    }
                }
                layout.add(new LayoutEntry(i, id, 0, 0, 0, 0, 0, 0, true, count, times, step));
            } else {
                int attributes = Short.toUnsignedInt(lt.getShort(at + 2));
                long pages = Integer.toUnsignedLong(lt.getInt(at + 4));
                long rva = lt.getLong(at + 8);
                long contentSize = Integer.toUnsignedLong(lt.getInt(at + 16));
                long contentOffset = Integer.toUnsignedLong(lt.getInt(at + 20));
                long siFlags = lt.getLong(at + 24);
                if (contentOffset != 0 && contentOffset + contentSize > size) {
                    throw bad(where, "layout entry " + i + " has content at block bytes " + contentOffset + "+" + contentSize
                            + ", outside the block (size " + size + ")");
                }
                layout.add(new LayoutEntry(i, id, attributes, pages, rva, (int) contentSize, (int) contentOffset, siFlags,
                        false, 0, 0, 0));
            }
        }
        return new SdkMetadata(major, minor, size, ssa, enclaveSize, block, List.copyOf(patches), List.copyOf(layout));
    }

    /** Whether this version has the 4th directory (EXTEND): 1.5+ and 3.2+, never 2.x. */
    static boolean supportsExtend(int major, int minor) {
        return (major % 10 == 1 && minor >= 5) || (major % 10 == 3 && minor >= 2);
    }

    private static ByteBuffer dir(ByteBuffer b, int index, int size, int entrySize, String where, String name) {
        long offset = Integer.toUnsignedLong(b.getInt(HEADER_SIZE + 8 * index));
        long length = Integer.toUnsignedLong(b.getInt(HEADER_SIZE + 8 * index + 4));
        if (length == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (offset < HEADER_SIZE || offset + length > size || length % entrySize != 0) {
            throw bad(where, name + " directory (offset " + offset + ", size " + length + ") lies outside the block "
                    + "(size " + size + ") or is not a whole number of " + entrySize + "-byte entries");
        }
        return b.slice((int) offset, (int) length).order(ByteOrder.LITTLE_ENDIAN);
    }

    static SignerException bad(String where, String what) {
        return SignerException.malformed(where + ": " + what);
    }

    static SignerException unsupported(String where, String what) {
        return new SignerException(ErrorKind.UNSUPPORTED, where + ": " + what);
    }
}
