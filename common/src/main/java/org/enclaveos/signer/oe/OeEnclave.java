package org.enclaveos.signer.oe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.elf.ElfFile;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.measure.Measurement;
import org.enclaveos.signer.measure.PageSink;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Secinfo;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.Tcs;

/**
 * An Open Enclave SDK enclave (also EGo's): an ELF image whose {@code .oeinfo} section holds the
 * enclave properties and, once signed, the SIGSTRUCT. Measured as OE's loader builds it (OE 0.17's
 * host/sgx/create.c and loadelf.c): the PT_LOAD segments page by page, with the properties patched in
 * (image_info filled, SIGSTRUCT zeroed) and the loader's dynamic symbols set; the relocations
 * (.rela.dyn, .rela.plt, thread-local offsets resolved) padded to a page; heap pages added unmeasured;
 * then per thread a guard page, the stack (0xCC), a guard page, the TCS, two SSA pages, a guard page,
 * the thread-local pages and one page of thread data. Pages are assembled one at a time from the
 * file: memory does not grow with the enclave.
 */
public final class OeEnclave {
    public static final String SECTION = ".oeinfo";
    static final int PAGE = Measurement.PAGE_SIZE;
    /** OE_SGX_TCS_CONTROL_PAGES: TCS, two SSA pages, a guard page. */
    static final int TCS_CONTROL_PAGES = 4;
    static final int SSA_FRAME_SIZE = 1;
    static final int MAX_TCS = 32;
    static final int RELA_SIZE = 24;
    static final int R_X86_64_64 = 1;
    static final int R_X86_64_GLOB_DAT = 6;
    static final int R_X86_64_JUMP_SLOT = 7;
    static final int R_X86_64_RELATIVE = 8;
    static final int R_X86_64_TPOFF64 = 18;
    static final int MAX_RELOCATION_BYTES = 64 << 20;
    private static final int STACK_FILL = 0xCC;

    private final Path file;
    private final OeProperties properties;
    private final long oeinfoRva;
    private final long oeinfoFileOffset;
    private final List<ElfFile.Segment> loads;
    private final long imageSize;
    private final long entry;
    private final long tlsPages;
    private final long[] tdata;
    private final long[] tbss;
    private final Map<String, Long> loaderSymbols;
    private final byte[] relocations;

    private OeEnclave(Path file, OeProperties properties, long oeinfoRva, long oeinfoFileOffset, List<ElfFile.Segment> loads,
                      long imageSize, long entry, long[] tdata, long[] tbss, Map<String, Long> loaderSymbols,
                      byte[] relocations) {
        this.file = file;
        this.properties = properties;
        this.oeinfoRva = oeinfoRva;
        this.oeinfoFileOffset = oeinfoFileOffset;
        this.loads = loads;
        this.imageSize = imageSize;
        this.entry = entry;
        this.tdata = tdata;
        this.tbss = tbss;
        this.loaderSymbols = loaderSymbols;
        this.relocations = relocations;
        long tls = roundUp(tdata[1], tdata[2]) + roundUp(tbss[0], tbss[1]);
        this.tlsPages = roundUp(tls, PAGE) / PAGE;
    }

    /** Whether the file is an ELF with an {@code .oeinfo} section (an Open Enclave enclave). */
    public static boolean isOeEnclave(Path file) {
        if (!ElfFile.isElf(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file)) {
            return ElfFile.read(ch).section(SECTION).isPresent();
        } catch (IOException | SignerException e) {
            return false;
        }
    }

    public static OeEnclave read(Path file) {
        return ElfFile.read(file, elf -> parse(file, elf));
    }

    private static OeEnclave parse(Path file, ElfFile elf) throws IOException {
        ElfFile.Section info = elf.section(SECTION).orElseThrow(() -> SignerException.malformed(
                "not an Open Enclave enclave: no " + SECTION + " section"));
        if (info.size() < OeProperties.SIZE) {
            throw SignerException.malformed(SECTION + " holds " + info.size() + " bytes; oe_sgx_enclave_properties_t has "
                    + OeProperties.SIZE);
        }
        byte[] raw = new byte[OeProperties.SIZE];
        elf.readFully(info.offset(), raw, 0, raw.length);
        OeProperties properties = OeProperties.parse(raw);

        List<ElfFile.Segment> loads = elf.segments().stream().filter(s -> s.type() == ElfFile.Segment.PT_LOAD).toList();
        if (loads.isEmpty()) {
            throw SignerException.malformed("no PT_LOAD segment");
        }
        if (loads.get(0).vaddr() != 0) {
            throw SignerException.malformed(String.format("the first PT_LOAD segment is at 0x%x; an Open Enclave image "
                    + "starts at 0", loads.get(0).vaddr()));
        }
        long hi = 0;
        for (int i = 0; i < loads.size(); i++) {
            ElfFile.Segment s = loads.get(i);
            if (s.filesz() > s.memsz() || s.vaddr() < 0 || s.memsz() < 0 || s.vaddr() > Long.MAX_VALUE / 2 - s.memsz()) {
                throw SignerException.malformed(String.format("PT_LOAD segment %d at 0x%x: sizes out of range", i, s.vaddr()));
            }
            ElfFile.checkRange(elf.fileSize(), s.offset(), s.filesz(), "PT_LOAD segment " + i);
            if (Secinfo.permissionsOfElf(s.flags()) == 0) {
                throw SignerException.malformed(String.format("PT_LOAD segment at 0x%x has no page protections", s.vaddr()));
            }
            if (i > 0) {
                ElfFile.Segment prev = loads.get(i - 1);
                if (prev.vaddr() >= s.vaddr() || prev.vaddr() + prev.memsz() > (s.vaddr() & -PAGE)) {
                    throw SignerException.malformed(String.format("PT_LOAD segments at 0x%x and 0x%x are out of order or "
                            + "share a page", prev.vaddr(), s.vaddr()));
                }
            }
            hi = Math.max(hi, s.vaddr() + s.memsz());
        }
        long imageSize = roundUp(hi, PAGE);
        if (info.addr() < 0 || info.addr() > imageSize - OeProperties.SIZE) {
            throw SignerException.malformed(String.format("%s at 0x%x lies outside the loaded image", SECTION, info.addr()));
        }
        long[] tdata = elf.section(".tdata").map(s -> new long[] {s.addr(), s.size(), s.addralign()})
                .orElse(new long[] {0, 0, 0});
        long[] tbss = elf.section(".tbss").map(s -> new long[] {s.size(), s.addralign()}).orElse(new long[] {0, 0});
        for (long v : new long[] {tdata[1], tdata[2], tbss[0], tbss[1]}) {
            if (v < 0 || v > 1L << 32) {
                throw SignerException.malformed("thread-local sections (.tdata, .tbss) larger than 4 GiB");
            }
        }
        Map<String, Long> symbols = new LinkedHashMap<>();
        for (String name : new String[] {"_enclave_rva", "_reloc_rva", "_reloc_size", "_tdata_rva", "_tdata_size",
            "_tdata_align", "_tbss_size", "_tbss_align", "_td_from_tcs_offset"}) {
            Optional<ElfFile.Symbol> sym = elf.dynamicSymbol(name);
            if (sym.isPresent()) {
                long rva = sym.get().value();
                if (rva < 0 || rva > imageSize - 8) {
                    throw SignerException.malformed(String.format("dynamic symbol %s at 0x%x lies outside the image", name, rva));
                }
                symbols.put(name, rva);
            }
        }
        if (!symbols.containsKey("_enclave_rva")) {
            throw SignerException.malformed("no _enclave_rva dynamic symbol: not linked against Open Enclave's core");
        }
        return new OeEnclave(file, properties, info.addr(), info.offset(), loads, imageSize, elf.entry(), tdata, tbss,
                Map.copyOf(symbols), relocations(elf));
    }

    /** .rela.dyn then .rela.plt, thread-local offsets resolved into the addend, zero-padded to a page. */
    private static byte[] relocations(ElfFile elf) throws IOException {
        List<ElfFile.Section> tables = new ArrayList<>();
        long total = 0;
        for (String name : new String[] {".rela.dyn", ".rela.plt"}) {
            Optional<ElfFile.Section> s = elf.section(name);
            if (s.isPresent()) {
                if (s.get().size() % RELA_SIZE != 0) {
                    throw SignerException.malformed(name + " is " + s.get().size() + " bytes, not a whole number of entries");
                }
                tables.add(s.get());
                total += s.get().size();
            }
        }
        if (total > MAX_RELOCATION_BYTES) {
            throw SignerException.malformed("relocations of " + total + " bytes; at most " + MAX_RELOCATION_BYTES);
        }
        byte[] out = new byte[(int) roundUp(total, PAGE)];
        int at = 0;
        for (ElfFile.Section s : tables) {
            elf.readFully(s.offset(), out, at, (int) s.size());
            at += (int) s.size();
        }
        for (int i = 0; i < at; i += RELA_SIZE) {
            long info = LittleEndian.u64(out, i + 8);
            int type = (int) info;
            if (type == R_X86_64_TPOFF64) {
                LittleEndian.putU64(out, i + 16, elf.dynamicSymbol(info >>> 32).value());
            } else if (type != R_X86_64_RELATIVE && type != R_X86_64_GLOB_DAT && type != R_X86_64_64
                    && type != R_X86_64_JUMP_SLOT) {
                throw new SignerException(ErrorKind.UNSUPPORTED, "relocation type " + type + " at entry " + i / RELA_SIZE
                        + " (Open Enclave's loader refuses it too)");
            }
        }
        return out;
    }

    public Path file() {
        return file;
    }

    /** The properties in the file's {@code .oeinfo}. */
    public OeProperties properties() {
        return properties;
    }

    /** The file offset of {@code .oeinfo}, for inspect. */
    public long oeinfoFileOffset() {
        return oeinfoFileOffset;
    }

    /** MRENCLAVE of the enclave as OE's loader builds it with {@code props}. */
    public Hash256 measure(OeProperties props, long maxMeasuredBytes) {
        PageSink.Measuring m = PageSink.measuring();
        build(props, m, maxMeasuredBytes);
        return m.mrenclave();
    }

    /** Emits the loader's build into {@code sink}: the one definition of the OE layout. */
    public void build(OeProperties props, PageSink sink, long maxMeasuredBytes) {
        if (props.zeroBase()) {
            throw new SignerException(ErrorKind.UNSUPPORTED, file + ": a 0-base enclave (CreateZeroBaseEnclave) is not "
                    + "measured by this tool yet");
        }
        long heap = props.heapPages();
        long stack = props.stackPages();
        long tcs = props.tcsCount();
        if (tcs < 1 || tcs > MAX_TCS || heap < 1 || stack < 1) {
            throw SignerException.malformed(file + ": " + SECTION + " asks for " + heap + " heap pages, " + stack
                    + " stack pages and " + tcs + " TCS; Open Enclave needs at least 1 of each and at most " + MAX_TCS
                    + " TCS (an unsigned enclave gets them from its oesign configuration: --config)");
        }
        long relocSize = relocations.length;
        long threadPages;
        long loaded;
        try {
            threadPages = Math.addExact(Math.addExact(stack, 2 + TCS_CONTROL_PAGES + 1), tlsPages);
            loaded = Math.addExact(Math.addExact(imageSize, relocSize), Math.multiplyExact(Math.addExact(heap,
                    Math.multiplyExact(tcs, threadPages)), PAGE));
        } catch (ArithmeticException e) {
            throw SignerException.malformed(file + ": heap, stack and thread pages overflow a 64-bit enclave size");
        }
        Measurement.checkWork(file.toString(), loaded / PAGE, maxMeasuredBytes);
        long enclaveSize = Long.highestOneBit(loaded) == loaded ? loaded : Long.highestOneBit(loaded) << 1;
        if (enclaveSize <= 0) {
            throw SignerException.malformed(file + ": an enclave of " + loaded + " bytes has no power-of-two size");
        }
        Map<Long, byte[]> patches = patches(props, enclaveSize);
        sink.ecreate(SSA_FRAME_SIZE, enclaveSize);
        byte[] page = new byte[PAGE];
        try (FileChannel ch = FileChannel.open(file)) {
            for (ElfFile.Segment s : loads) {
                long flags = Secinfo.REG | Secinfo.permissionsOfElf(s.flags());
                for (long rva = s.vaddr() & -PAGE; rva < s.vaddr() + s.memsz(); rva += PAGE) {
                    imagePage(ch, rva, page, patches);
                    sink.addMeasuredPage(rva, flags, page, 0);
                }
            }
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot read: " + AtomicFiles.describe(e), e);
        }
        long v = imageSize;
        for (int off = 0; off < relocations.length; off += PAGE, v += PAGE) {
            sink.addMeasuredPage(v, Secinfo.REG | Secinfo.R, relocations, off);
        }
        for (long i = 0; i < heap; i++, v += PAGE) {
            sink.eadd(v, Secinfo.REG | Secinfo.R | Secinfo.W);
        }
        byte[] zero = new byte[PAGE];
        byte[] fill = new byte[PAGE];
        Arrays.fill(fill, (byte) STACK_FILL);
        for (long t = 0; t < tcs; t++) {
            v += PAGE; // guard
            for (long i = 0; i < stack; i++, v += PAGE) {
                sink.addMeasuredPage(v, Secinfo.REG | Secinfo.R | Secinfo.W, fill, 0);
            }
            v += PAGE; // guard
            long fsbase = v + (tlsPages + TCS_CONTROL_PAGES) * PAGE;
            sink.addMeasuredPage(v, Secinfo.TCS, Tcs.page(v + PAGE, 2, entry, fsbase, fsbase, -1, -1), 0);
            v += PAGE;
            for (int i = 0; i < 2; i++, v += PAGE) {
                sink.addMeasuredPage(v, Secinfo.REG | Secinfo.R | Secinfo.W, zero, 0);
            }
            v += PAGE; // guard
            for (long i = 0; i < tlsPages + 1; i++, v += PAGE) {
                sink.addMeasuredPage(v, Secinfo.REG | Secinfo.R | Secinfo.W, zero, 0);
            }
        }
    }

    /** What the loader writes into the image before measuring it, by RVA, in the order it writes. */
    private Map<Long, byte[]> patches(OeProperties props, long enclaveSize) {
        Map<Long, byte[]> p = new LinkedHashMap<>();
        long relocSize = relocations.length;
        p.put(oeinfoRva, props.measured(oeinfoRva, OeProperties.SIZE, imageSize, relocSize, imageSize + relocSize,
                enclaveSize));
        Map<String, Long> values = new LinkedHashMap<>();
        values.put("_enclave_rva", loaderSymbols.get("_enclave_rva"));
        values.put("_reloc_rva", imageSize);
        values.put("_reloc_size", relocSize);
        if (tdata[1] != 0) {
            values.put("_tdata_rva", tdata[0]);
            values.put("_tdata_size", tdata[1]);
            values.put("_tdata_align", tdata[2]);
        }
        if (tbss[0] != 0) {
            values.put("_tbss_size", tbss[0]);
            values.put("_tbss_align", tbss[1]);
        }
        values.put("_td_from_tcs_offset", (tlsPages + TCS_CONTROL_PAGES) * PAGE);
        values.forEach((name, value) -> {
            Long rva = loaderSymbols.get(name);
            if (rva != null) {
                byte[] b = new byte[8];
                LittleEndian.putU64(b, 0, value);
                p.put(rva, b);
            }
        });
        return p;
    }

    /** The image page at {@code rva}: the segments' file bytes (zero beyond them), then the patches. */
    private void imagePage(FileChannel ch, long rva, byte[] page, Map<Long, byte[]> patches) throws IOException {
        Arrays.fill(page, (byte) 0);
        for (ElfFile.Segment s : loads) {
            long from = Math.max(rva, s.vaddr());
            long to = Math.min(rva + PAGE, s.vaddr() + s.filesz());
            if (from < to) {
                ByteBuffer buf = ByteBuffer.wrap(page, (int) (from - rva), (int) (to - from));
                long at = s.offset() + (from - s.vaddr());
                while (buf.hasRemaining()) {
                    if (ch.read(buf, at + buf.position() - (from - rva)) < 0) {
                        throw SignerException.malformed(file + ": ends inside a PT_LOAD segment");
                    }
                }
            }
        }
        for (Map.Entry<Long, byte[]> e : patches.entrySet()) {
            long start = e.getKey();
            byte[] b = e.getValue();
            long from = Math.max(rva, start);
            long to = Math.min(rva + PAGE, start + b.length);
            if (from < to) {
                System.arraycopy(b, (int) (from - start), page, (int) (from - rva), (int) (to - from));
            }
        }
    }

    /**
     * Writes a copy of the file with {@code .oeinfo} holding {@code props} (with its SIGSTRUCT), as oesign
     * writes a signed enclave; no other byte differs. Never over an existing file.
     */
    public void writeSigned(OeProperties props, Path out) {
        byte[] info = props.toBytes();
        AtomicFiles.createNew(out, target -> {
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (long left = oeinfoFileOffset; left > 0; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw SignerException.malformed(file + ": shorter than when it was read");
                    }
                    target.write(buf, 0, n);
                    left -= n;
                }
                try {
                    in.skipNBytes(info.length);
                } catch (java.io.EOFException e) {
                    throw SignerException.malformed(file + ": shorter than when it was read");
                }
                target.write(info);
                in.transferTo(target);
            }
        }, false);
    }

    /** The SIGSTRUCT the file carries, or empty for an unsigned enclave. */
    public Optional<Sigstruct> sigstruct() {
        return properties.sigstruct();
    }

    public long imageSize() {
        return imageSize;
    }

    public long relocationSize() {
        return relocations.length;
    }

    public long tlsPages() {
        return tlsPages;
    }

    private static long roundUp(long v, long align) {
        return align <= 1 ? v : (v + align - 1) / align * align;
    }
}
