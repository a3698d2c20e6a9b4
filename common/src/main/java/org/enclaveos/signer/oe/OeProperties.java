package org.enclaveos.signer.oe;

import java.util.Arrays;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Open Enclave's {@code oe_sgx_enclave_properties_t}, the 1960 bytes of the {@code .oeinfo} section
 * (the layout of OE 0.17 and later): the one definition of its offsets. Immutable; the {@code with}
 * methods return a changed copy, as oesign changes the properties it read from the image.
 *
 * <pre>
 *    0 header: size u32, enclave_type u32, num_heap_pages u64, num_stack_pages u64, num_tcs u64
 *   32 config: product_id u16, security_version u16, flags u32, family_id[16], extended_product_id[16],
 *              attributes u64, xfrm u64, start_address u64
 *   96 image_info: oeinfo_rva, oeinfo_size, reloc_rva, reloc_size, heap_rva, enclave_size (u64 each)
 *  144 sigstruct[1808]
 * 1952 end_marker u64
 * </pre>
 */
public final class OeProperties {
    public static final int SIZE = 1960;
    static final int ENCLAVE_TYPE_SGX = 2;
    static final int HEAP_PAGES = 8;
    static final int STACK_PAGES = 16;
    static final int TCS_COUNT = 24;
    static final int PRODUCT_ID = 32;
    static final int SECURITY_VERSION = 34;
    static final int FLAGS = 36;
    static final int ATTRIBUTES = 72;
    static final int IMAGE_INFO = 96;
    static final int IMAGE_INFO_SIZE = 48;
    static final int SIGSTRUCT = 144;
    /** config.flags bit 1: the enclave is created at a fixed address (0-base); measured differently. */
    static final int FLAG_ZERO_BASE = 0x2;
    static final long DEBUG = 0x2;

    private final byte[] bytes;

    private OeProperties(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Parses the section's bytes: refuses another size or enclave type (an older OE layout, a TEE other than SGX). */
    public static OeProperties parse(byte[] section) {
        if (section.length < SIZE) {
            throw SignerException.malformed(".oeinfo holds " + section.length + " bytes; oe_sgx_enclave_properties_t has "
                    + SIZE);
        }
        long size = Integer.toUnsignedLong(LittleEndian.u32(section, 0));
        if (size != SIZE) {
            throw new SignerException(ErrorKind.UNSUPPORTED, ".oeinfo says its properties are " + size + " bytes; this "
                    + "tool reads Open Enclave 0.17's and later layout of " + SIZE + " bytes");
        }
        int type = LittleEndian.u32(section, 4);
        if (type != ENCLAVE_TYPE_SGX) {
            throw new SignerException(ErrorKind.UNSUPPORTED, ".oeinfo is for enclave type " + type + ", not SGX (2)");
        }
        return new OeProperties(Arrays.copyOf(section, SIZE));
    }

    public long heapPages() {
        return LittleEndian.u64(bytes, HEAP_PAGES);
    }

    public long stackPages() {
        return LittleEndian.u64(bytes, STACK_PAGES);
    }

    public long tcsCount() {
        return LittleEndian.u64(bytes, TCS_COUNT);
    }

    public int productId() {
        return LittleEndian.u16(bytes, PRODUCT_ID);
    }

    public int securityVersion() {
        return LittleEndian.u16(bytes, SECURITY_VERSION);
    }

    public int flags() {
        return LittleEndian.u32(bytes, FLAGS);
    }

    public boolean zeroBase() {
        return (flags() & FLAG_ZERO_BASE) != 0;
    }

    /** config.attributes: DEBUG (0x2), MODE64BIT (0x4), KSS (0x80). */
    public long attributes() {
        return LittleEndian.u64(bytes, ATTRIBUTES);
    }

    public boolean debug() {
        return (attributes() & DEBUG) != 0;
    }

    /** The SIGSTRUCT the file carries, or empty for an unsigned enclave (all zero). */
    public Optional<Sigstruct> sigstruct() {
        byte[] s = Arrays.copyOfRange(bytes, SIGSTRUCT, SIGSTRUCT + Sigstruct.SIZE);
        for (byte b : s) {
            if (b != 0) {
                return Optional.of(Sigstruct.parse(s));
            }
        }
        return Optional.empty();
    }

    public OeProperties withHeapPages(long pages) {
        return withU64(HEAP_PAGES, pages);
    }

    public OeProperties withStackPages(long pages) {
        return withU64(STACK_PAGES, pages);
    }

    public OeProperties withTcsCount(long count) {
        return withU64(TCS_COUNT, count);
    }

    public OeProperties withProductId(int id) {
        byte[] b = bytes.clone();
        LittleEndian.putU16(b, PRODUCT_ID, id);
        return new OeProperties(b);
    }

    public OeProperties withSecurityVersion(int svn) {
        byte[] b = bytes.clone();
        LittleEndian.putU16(b, SECURITY_VERSION, svn);
        return new OeProperties(b);
    }

    public OeProperties withDebug(boolean debug) {
        return withU64(ATTRIBUTES, debug ? attributes() | DEBUG : attributes() & ~DEBUG);
    }

    /** As oesign writes them into the signed file: these properties with this SIGSTRUCT. */
    public OeProperties withSigstruct(Sigstruct sigstruct) {
        byte[] b = bytes.clone();
        System.arraycopy(sigstruct.toBytes(), 0, b, SIGSTRUCT, Sigstruct.SIZE);
        return new OeProperties(b);
    }

    /**
     * The bytes the loader measures in place of the section: these properties with image_info filled
     * in ({@code values}: oeinfo_rva, oeinfo_size, reloc_rva, reloc_size, heap_rva, enclave_size) and
     * the SIGSTRUCT zeroed, since it cannot sign over itself.
     */
    byte[] measured(long... imageInfo) {
        byte[] b = bytes.clone();
        for (int i = 0; i < imageInfo.length; i++) {
            LittleEndian.putU64(b, IMAGE_INFO + 8 * i, imageInfo[i]);
        }
        Arrays.fill(b, SIGSTRUCT, SIGSTRUCT + Sigstruct.SIZE, (byte) 0);
        return b;
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    private OeProperties withU64(int offset, long value) {
        byte[] b = bytes.clone();
        LittleEndian.putU64(b, offset, value);
        return new OeProperties(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OeProperties p && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
