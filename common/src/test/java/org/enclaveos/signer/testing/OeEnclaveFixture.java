package org.enclaveos.signer.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds small ELF64 files shaped like Open Enclave enclaves, from the format description (not from
 * the reader under test): four PT_LOAD segments (R headers and dynamic tables, RX text, R
 * {@code .oeinfo}, RW thread-local data, loader slots and bss), a PT_TLS segment, {@code .dynsym}
 * with the loader's symbols and a thread-local variable, {@code .rela.dyn} with a RELATIVE and a
 * TPOFF64 entry, and a non-loaded {@code .comment}.
 *
 * <pre>
 * vaddr = file offset   0x0000 R   ELF header, program headers, .dynsym (0x200), .dynstr (0x600), .rela.dyn (0x800)
 *                       0x1000 RX  .text (0x100 bytes), the entry point
 *                       0x2000 R   .oeinfo (1960 bytes)
 *                       0x3000 RW  .tdata (8), .data: loader slots at 0x3040.. (9 x 8), relocation targets 0x3090, 0x3098;
 *                                  memsz 0x1100 (bss into the next page); .tbss 8 bytes
 * </pre>
 */
public final class OeEnclaveFixture {
    public static final int TEXT = 0x1000;
    public static final int OEINFO = 0x2000;
    public static final int DATA = 0x3000;
    public static final int SLOTS = 0x3040;
    public static final String[] LOADER_SYMBOLS = {"_enclave_rva", "_reloc_rva", "_reloc_size", "_tdata_rva",
        "_tdata_size", "_tdata_align", "_tbss_size", "_tbss_align", "_td_from_tcs_offset"};
    public static final int TLS_VAR_VALUE = 8;
    /** Where tests patch the built file: program header i at PHDRS + 56 i, section header i at SHDRS + 64 i. */
    public static final int PHDRS = 64;
    public static final int SHDRS = 0x3400;
    public static final int SECTION_TDATA = 6;
    public static final int SECTION_TBSS = 8;
    public static final int SECTION_OEINFO = 5;
    /** .dynsym entry i (1: _enclave_rva, ...) at DYNSYM_AT + 24 i; its value at + 8. */
    public static final int DYNSYM_AT = 0x200;
    private static final int DYNSYM = 0x200;
    private static final int DYNSTR = 0x600;
    private static final int RELA = 0x800;
    private static final int COMMENT = 0x3100;

    private long heap = 2;
    private long stack = 2;
    private long tcs = 1;
    private int productId = 7;
    private int svn = 3;
    private boolean debug = true;
    private int propertiesSize = 1960;
    private long relocationType = 8;
    private boolean enclaveRvaSymbol = true;
    private long textFileOffset = TEXT;

    public OeEnclaveFixture heap(long pages) {
        heap = pages;
        return this;
    }

    public OeEnclaveFixture stack(long pages) {
        stack = pages;
        return this;
    }

    public OeEnclaveFixture tcs(long count) {
        tcs = count;
        return this;
    }

    public OeEnclaveFixture debug(boolean on) {
        debug = on;
        return this;
    }

    public OeEnclaveFixture propertiesSize(int size) {
        propertiesSize = size;
        return this;
    }

    /** The type of the first relocation (8, R_X86_64_RELATIVE, unless a test wants another). */
    public OeEnclaveFixture relocationType(long type) {
        relocationType = type;
        return this;
    }

    public OeEnclaveFixture withoutEnclaveRvaSymbol() {
        enclaveRvaSymbol = false;
        return this;
    }

    /** Points the text segment's file offset elsewhere (past the end of the file, for a hostile test). */
    public OeEnclaveFixture textFileOffset(long offset) {
        textFileOffset = offset;
        return this;
    }

    /** The file offset of a byte inside .comment, which no segment loads. */
    public static int commentOffset() {
        return COMMENT + 4;
    }

    public byte[] build() {
        String[] shnames = {"", ".dynsym", ".dynstr", ".rela.dyn", ".text", ".oeinfo", ".tdata", ".data", ".tbss",
            ".comment", ".shstrtab"};
        StringBuilder shstr = new StringBuilder();
        int[] shname = new int[shnames.length];
        for (int i = 0; i < shnames.length; i++) {
            shname[i] = shstr.length();
            shstr.append(shnames[i]).append('\0');
        }
        int shstrOff = 0x3200;
        int shoff = 0x3400;
        ByteBuffer f = ByteBuffer.allocate(shoff + shnames.length * 64).order(ByteOrder.LITTLE_ENDIAN);

        // ELF header
        f.put(0, new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1});
        f.putShort(16, (short) 3).putShort(18, (short) 62).putInt(20, 1).putLong(24, TEXT).putLong(32, 64)
                .putLong(40, shoff).putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) 5)
                .putShort(58, (short) 64).putShort(60, (short) shnames.length).putShort(62, (short) (shnames.length - 1));
        // Program headers: type, flags (X=1 W=2 R=4), offset, vaddr, paddr, filesz, memsz, align
        long[][] ph = {
            {1, 4, 0, 0, 0x900, 0x900},
            {1, 5, textFileOffset, TEXT, 0x100, 0x100},
            {1, 4, OEINFO, OEINFO, 1960, 1960},
            {1, 6, DATA, DATA, 0x100, 0x1100},
            {7, 4, DATA, DATA, 8, 16},
        };
        for (int i = 0; i < ph.length; i++) {
            int b = 64 + i * 56;
            f.putInt(b, (int) ph[i][0]).putInt(b + 4, (int) ph[i][1]).putLong(b + 8, ph[i][2]).putLong(b + 16, ph[i][3])
                    .putLong(b + 24, ph[i][3]).putLong(b + 32, ph[i][4]).putLong(b + 40, ph[i][5]).putLong(b + 48, 0x1000);
        }
        // .dynsym / .dynstr: null symbol, the loader's slots, a thread-local variable
        StringBuilder dynstr = new StringBuilder("\0");
        int symbols = 1;
        for (int i = 0; i < LOADER_SYMBOLS.length; i++) {
            if (i == 0 && !enclaveRvaSymbol) {
                continue;
            }
            symbol(f, symbols++, dynstr, LOADER_SYMBOLS[i], SLOTS + 8L * i, 7);
        }
        int tlsVar = symbols;
        symbol(f, symbols++, dynstr, "tls_var", TLS_VAR_VALUE, 6);
        f.put(DYNSTR, dynstr.toString().getBytes(StandardCharsets.US_ASCII));
        // .rela.dyn: offset, info, addend
        f.putLong(RELA, DATA + 0x90).putLong(RELA + 8, relocationType).putLong(RELA + 16, TEXT);
        f.putLong(RELA + 24, DATA + 0x98).putLong(RELA + 32, ((long) tlsVar << 32) | 18).putLong(RELA + 40, 0);
        // .text: a pattern; .tdata: 8 bytes; .comment: text no segment loads
        for (int i = 0; i < 0x100; i++) {
            f.put(TEXT + i, (byte) (0x90 + i % 7));
        }
        f.putLong(DATA, 0x1122334455667788L);
        f.put(COMMENT, "clang version 11\0".getBytes(StandardCharsets.US_ASCII));
        // .oeinfo: oe_sgx_enclave_properties_t
        f.putInt(OEINFO, propertiesSize).putInt(OEINFO + 4, 2).putLong(OEINFO + 8, heap).putLong(OEINFO + 16, stack)
                .putLong(OEINFO + 24, tcs).putShort(OEINFO + 32, (short) productId).putShort(OEINFO + 34, (short) svn)
                .putLong(OEINFO + 72, debug ? 6 : 4).putLong(OEINFO + 1952, 0xececececececececL);
        f.put(shstrOff, shstr.toString().getBytes(StandardCharsets.US_ASCII));
        // Section headers: name, type, flags, addr, offset, size, link, info, addralign, entsize
        long[][] sh = {
            {0, 0, 0, 0, 0, 0, 0, 0},
            {11, 2, DYNSYM, DYNSYM, 24L * symbols, 2, 8, 24},
            {3, 2, DYNSTR, DYNSTR, dynstr.length(), 0, 1, 0},
            {4, 2, RELA, RELA, 48, 1, 8, 24},
            {1, 6, TEXT, TEXT, 0x100, 0, 16, 0},
            {1, 2, OEINFO, OEINFO, 1960, 0, 8, 0},
            {1, 0x403, DATA, DATA, 8, 0, 8, 0},
            {1, 3, DATA + 8, DATA + 8, 0xF8, 0, 8, 0},
            {8, 0x403, DATA + 8, DATA + 0x100, 8, 0, 8, 0},
            {1, 0x30, 0, COMMENT, 0x40, 0, 1, 1},
            {3, 0, 0, shstrOff, shstr.length(), 0, 1, 0},
        };
        for (int i = 0; i < sh.length; i++) {
            int b = shoff + i * 64;
            f.putInt(b, i == 0 ? 0 : shname[i]).putInt(b + 4, (int) sh[i][0]).putLong(b + 8, sh[i][1])
                    .putLong(b + 16, sh[i][2]).putLong(b + 24, sh[i][3]).putLong(b + 32, sh[i][4])
                    .putInt(b + 40, (int) sh[i][5]).putLong(b + 48, sh[i][6]).putLong(b + 56, sh[i][7]);
        }
        return f.array();
    }

    private static void symbol(ByteBuffer f, int index, StringBuilder dynstr, String name, long value, int shndx) {
        int b = DYNSYM + index * 24;
        f.putInt(b, dynstr.length()).put(b + 4, (byte) 0x11).putShort(b + 6, (short) shndx).putLong(b + 8, value);
        dynstr.append(name).append('\0');
    }
}
