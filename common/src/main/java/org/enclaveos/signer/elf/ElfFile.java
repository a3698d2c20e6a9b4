package org.enclaveos.signer.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * Just enough of ELF64 (little-endian, x86-64) for the enclave formats: sections by name, program
 * headers, the entry point and dynamic symbols. One reader for Intel SGX SDK and Open Enclave
 * enclaves. Reads through positional reads on a channel, so a large enclave is never loaded whole;
 * every offset and count is checked against the file size before it is used.
 */
public final class ElfFile {
    public static final byte[] MAGIC = {0x7F, 'E', 'L', 'F'};
    private static final int EHDR_SIZE = 64;
    private static final int SHDR_SIZE = 64;
    private static final int EM_X86_64 = 62;
    private static final int MAX_SECTIONS = 0xFF00;

    public record Section(String name, int type, long flags, long addr, long offset, long size, long addralign) {
    }

    /** A program header: PT_LOAD segments are what the loader maps into the enclave. */
    public record Segment(int type, int flags, long offset, long vaddr, long filesz, long memsz) {
        public static final int PT_LOAD = 1;
        public static final int PT_DYNAMIC = 2;
        public static final int PT_TLS = 7;
        public static final int PF_X = 1;
        public static final int PF_W = 2;
        public static final int PF_R = 4;
    }

    private static final int PHDR_SIZE = 56;
    private static final int MAX_SEGMENTS = 256;
    private static final long DT_NULL = 0;
    private static final long DT_TEXTREL = 22;
    private static final long DT_FLAGS = 30;
    private static final long DF_TEXTREL = 0x4;

    private final FileChannel channel;
    private final long fileSize;
    private final List<Section> sections;
    private final List<Segment> segments;

    private final long entry;

    private ElfFile(FileChannel channel, long fileSize, List<Section> sections, List<Segment> segments, long entry) {
        this.channel = channel;
        this.fileSize = fileSize;
        this.sections = sections;
        this.segments = segments;
        this.entry = entry;
    }

    /** Whether the file starts with the ELF magic (to tell an enclave from a bare SIGSTRUCT); false if unreadable. */
    public static boolean isElf(java.nio.file.Path file) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            return java.util.Arrays.equals(in.readNBytes(4), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    /** What an enclave format makes of an ELF file's headers (the channel stays open while it runs). */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(ElfFile elf) throws IOException;
    }

    /** Opens {@code file}, reads its headers and hands them to {@code parser}; every error names the file. */
    public static <T> T read(java.nio.file.Path file, Parser<T> parser) {
        try (FileChannel ch = FileChannel.open(file)) {
            return parser.parse(read(ch));
        } catch (SignerException e) {
            throw e.in(file.toString());
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot read: "
                    + org.enclaveos.signer.io.AtomicFiles.describe(e), e);
        }
    }

    public static ElfFile read(FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < EHDR_SIZE) {
            throw SignerException.malformed("not an ELF file: " + fileSize + " bytes is shorter than an ELF header");
        }
        ByteBuffer eh = readAt(channel, 0, EHDR_SIZE);
        for (int i = 0; i < MAGIC.length; i++) {
            if (eh.get(i) != MAGIC[i]) {
                throw SignerException.malformed("not an ELF file (no \\x7fELF magic)");
            }
        }
        if (eh.get(4) != 2) {
            throw new SignerException(ErrorKind.UNSUPPORTED, "32-bit ELF enclaves are not supported (EI_CLASS "
                    + eh.get(4) + ", expected 2 for ELF64)");
        }
        if (eh.get(5) != 1) {
            throw SignerException.malformed("big-endian ELF: an SGX enclave is little-endian x86-64");
        }
        int machine = Short.toUnsignedInt(eh.getShort(18));
        if (machine != EM_X86_64) {
            throw new SignerException(ErrorKind.UNSUPPORTED, "ELF e_machine is " + machine + ", expected 62 (x86-64)");
        }
        long shoff = eh.getLong(0x28);
        int shentsize = Short.toUnsignedInt(eh.getShort(0x3A));
        int shnum = Short.toUnsignedInt(eh.getShort(0x3C));
        int shstrndx = Short.toUnsignedInt(eh.getShort(0x3E));
        if (shnum == 0 || shoff == 0) {
            throw SignerException.malformed("ELF has no section headers (stripped); cannot find the enclave's sections (.note.sgxmeta, .oeinfo)");
        }
        if (shentsize != SHDR_SIZE || shnum > MAX_SECTIONS || shstrndx >= shnum) {
            throw SignerException.malformed("ELF section header table is malformed (entsize " + shentsize
                    + ", count " + shnum + ", string table index " + shstrndx + ")");
        }
        checkRange(fileSize, shoff, (long) shnum * SHDR_SIZE, "section header table");
        ByteBuffer sh = readAt(channel, shoff, shnum * SHDR_SIZE);
        List<long[]> raw = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            int b = i * SHDR_SIZE;
            raw.add(new long[] {Integer.toUnsignedLong(sh.getInt(b)), Integer.toUnsignedLong(sh.getInt(b + 4)),
                sh.getLong(b + 8), sh.getLong(b + 16), sh.getLong(b + 24), sh.getLong(b + 32), sh.getLong(b + 48)});
        }
        long[] strtab = raw.get(shstrndx);
        checkRange(fileSize, strtab[4], strtab[5], "section name table");
        if (strtab[5] > 1 << 20) {
            throw SignerException.malformed("ELF section name table is larger than 1 MiB");
        }
        ByteBuffer names = readAt(channel, strtab[4], (int) strtab[5]);
        List<Section> sections = new ArrayList<>();
        for (long[] s : raw) {
            sections.add(new Section(cString(names, s[0]), (int) s[1], s[2], s[3], s[4], s[5], s[6]));
        }
        return new ElfFile(channel, fileSize, List.copyOf(sections), segments(channel, fileSize, eh), eh.getLong(0x18));
    }

    private static List<Segment> segments(FileChannel channel, long fileSize, ByteBuffer eh) throws IOException {
        long phoff = eh.getLong(0x20);
        int phentsize = Short.toUnsignedInt(eh.getShort(0x36));
        int phnum = Short.toUnsignedInt(eh.getShort(0x38));
        if (phnum == 0) {
            return List.of();
        }
        if (phentsize != PHDR_SIZE || phnum > MAX_SEGMENTS) {
            throw SignerException.malformed("ELF program header table is malformed (entsize " + phentsize + ", count " + phnum + ")");
        }
        checkRange(fileSize, phoff, (long) phnum * PHDR_SIZE, "program header table");
        ByteBuffer ph = readAt(channel, phoff, phnum * PHDR_SIZE);
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int b = i * PHDR_SIZE;
            out.add(new Segment(ph.getInt(b), ph.getInt(b + 4), ph.getLong(b + 8), ph.getLong(b + 16),
                    ph.getLong(b + 32), ph.getLong(b + 40)));
        }
        return List.copyOf(out);
    }

    public List<Segment> segments() {
        return segments;
    }

    /** Whether the dynamic section asks for text relocations (DT_TEXTREL, or DF_TEXTREL in DT_FLAGS). */
    public boolean hasTextRelocations() throws IOException {
        for (Segment s : segments) {
            if (s.type() != Segment.PT_DYNAMIC) {
                continue;
            }
            int entries = (int) Math.min(s.filesz() / 16, 4096);
            ByteBuffer dyn = read(s.offset(), entries * 16, "dynamic section");
            for (int i = 0; i < entries; i++) {
                long tag = dyn.getLong(i * 16);
                long val = dyn.getLong(i * 16 + 8);
                if (tag == DT_NULL) {
                    break;
                }
                if (tag == DT_TEXTREL || (tag == DT_FLAGS && (val & DF_TEXTREL) != 0)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Reads {@code length} bytes at {@code offset} into {@code dst}; the range must lie inside the file. */
    public void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException {
        checkRange(fileSize, offset, length, "segment data");
        ByteBuffer buf = ByteBuffer.wrap(dst, dstOffset, length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, offset + (buf.position() - dstOffset)) < 0) {
                throw SignerException.malformed("ELF file ends early");
            }
        }
    }

    public Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public long fileSize() {
        return fileSize;
    }

    public ByteBuffer read(long offset, int length, String what) throws IOException {
        checkRange(fileSize, offset, length, what);
        return readAt(channel, offset, length);
    }

    /** e_entry: the entry point's address (an RVA in a position-independent enclave). */
    public long entry() {
        return entry;
    }

    /** A symbol of {@code .dynsym}: its value (an RVA) and section index (0 = undefined). */
    public record Symbol(String name, long value, int sectionIndex) {
    }

    /**
     * The dynamic symbol named {@code name} ({@code .dynsym}, names in {@code .dynstr}), read entry by
     * entry; both tables are bounded (16 MiB) before they are read.
     */
    public Optional<Symbol> dynamicSymbol(String name) throws IOException {
        Optional<Section> symtab = section(".dynsym");
        Optional<Section> strtab = section(".dynstr");
        if (symtab.isEmpty() || strtab.isEmpty()) {
            return Optional.empty();
        }
        long symSize = symtab.get().size();
        long strSize = strtab.get().size();
        if (symSize > 16 << 20 || strSize > 16 << 20) {
            throw SignerException.malformed(".dynsym or .dynstr is larger than 16 MiB");
        }
        ByteBuffer syms = read(symtab.get().offset(), (int) symSize, ".dynsym");
        ByteBuffer names = read(strtab.get().offset(), (int) strSize, ".dynstr");
        for (int i = 0; i + 24 <= symSize; i += 24) {
            if (cString(names, Integer.toUnsignedLong(syms.getInt(i))).equals(name)) {
                return Optional.of(new Symbol(name, syms.getLong(i + 8), Short.toUnsignedInt(syms.getShort(i + 6))));
            }
        }
        return Optional.empty();
    }

    /** The symbol with index {@code index} in {@code .dynsym} (for relocations that name one). */
    public Symbol dynamicSymbol(long index) throws IOException {
        Section symtab = section(".dynsym").orElseThrow(() -> SignerException.malformed("a relocation names symbol "
                + index + " but there is no .dynsym"));
        if (index < 0 || index >= symtab.size() / 24) {
            throw SignerException.malformed("a relocation names symbol " + index + "; .dynsym has " + symtab.size() / 24);
        }
        ByteBuffer sym = read(symtab.offset() + index * 24, 24, ".dynsym entry");
        return new Symbol("", sym.getLong(8), Short.toUnsignedInt(sym.getShort(6)));
    }

    public static void checkRange(long fileSize, long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > fileSize || length > fileSize - offset) {
            throw SignerException.malformed(String.format("%s at file offset 0x%x (+0x%x) lies outside the file (0x%x bytes)",
                    what, offset, length, fileSize));
        }
    }

    private static ByteBuffer readAt(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                throw SignerException.malformed("ELF file ends early");
            }
        }
        return buf.flip();
    }

    private static String cString(ByteBuffer names, long offset) {
        if (offset >= names.limit()) {
            return "";
        }
        int end = (int) offset;
        while (end < names.limit() && names.get(end) != 0) {
            end++;
        }
        byte[] b = new byte[end - (int) offset];
        names.get((int) offset, b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
