package org.enclaveos.signer.sdk;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.elf.ElfFile;
import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.measure.Measurement;
import org.enclaveos.signer.measure.PageSink;
import org.enclaveos.signer.sgx.Secinfo;

/**
 * Lays out an SDK enclave as the SDK's loader builds it, from the ELF and one metadata block, and
 * sends every operation to a {@link PageSink}: ECREATE; each PT_LOAD segment's pages (file bytes
 * zero-padded within their pages, after the patch table is applied to a virtual copy of the file);
 * then the layout table in order, groups expanded (TCS pages from the relocated template, stack pages
 * from the fill pattern, heap pages EADD-only, dynamic entries not at all). The rules are those of
 * shared/sdk-enclave-measurement.md. Every page range is checked against the enclave size and
 * against every other range before a single operation is emitted, so a crafted count is refused
 * before it can cost time.
 */
final class SdkEnclaveLayout {
    static final int PAGE = Measurement.PAGE_SIZE;
    /** More expanded entries than this is no real enclave (the SDK's largest have a few thousand). */
    static final long MAX_EXPANDED_ENTRIES = 1 << 20;
    static final int TCS_TEMPLATE_MAX = 4096;

    private final ElfFile elf;
    private final SdkMetadata meta;
    private final String where;
    private final byte[] page = new byte[PAGE];

    private SdkEnclaveLayout(ElfFile elf, SdkMetadata meta, String where) {
        this.elf = elf;
        this.meta = meta;
        this.where = where;
    }

    /** Checks everything, then emits the whole build to {@code sink}. */
    static void build(ElfFile elf, SdkMetadata meta, String where, PageSink sink, long maxMeasuredBytes) throws IOException {
        SdkEnclaveLayout layout = new SdkEnclaveLayout(elf, meta, where);
        layout.validate(maxMeasuredBytes);
        layout.emit(sink);
    }

    /** A page range one operation group will occupy, for the overlap check. */
    private record Range(long start, long pages, String what) {
        long end() {
            return start + pages * PAGE;
        }
    }

    private void validate(long maxMeasuredBytes) throws IOException {
        if (elf.hasTextRelocations()) {
            throw SdkMetadata.unsupported(where, "the enclave has text relocations (DT_TEXTREL); not supported");
        }
        for (SdkMetadata.Patch p : meta.patches()) {
            if (p.dst() + p.size() > elf.fileSize()) {
                throw SdkMetadata.bad(where, String.format("patch of %d bytes at file offset 0x%x lies outside the file",
                        p.size(), p.dst()));
            }
        }
        List<Range> ranges = new ArrayList<>();
        for (ElfFile.Segment s : loadSegments()) {
            if ((s.flags() & (ElfFile.Segment.PF_R | ElfFile.Segment.PF_W | ElfFile.Segment.PF_X)) == 0) {
                throw SdkMetadata.bad(where, String.format("PT_LOAD at 0x%x has no R, W or X permission", s.vaddr()));
            }
            if (s.filesz() > s.memsz() || s.vaddr() < 0 || s.memsz() < 0 || s.vaddr() > meta.enclaveSize()
                    || s.memsz() > meta.enclaveSize() - s.vaddr()) {
                throw SdkMetadata.bad(where, String.format("PT_LOAD at 0x%x (+0x%x) lies outside the enclave (0x%x)",
                        s.vaddr(), s.memsz(), meta.enclaveSize()));
            }
            ElfFile.checkRange(elf.fileSize(), s.offset(), s.filesz(), "PT_LOAD file data");
            long first = s.vaddr() & -PAGE;
            long end = roundUp(s.vaddr() + s.memsz());
            if (end > first) {
                ranges.add(new Range(first, (end - first) / PAGE, String.format("PT_LOAD at 0x%x", s.vaddr())));
            }
        }
        long[] expanded = {0};
        forEachPlaced(0, meta.layout().size(), 0, expanded, (e, rva) -> {
            if ((rva & (PAGE - 1)) != 0 || e.pageCount() > meta.enclaveSize() / PAGE
                    || rva < 0 || rva > meta.enclaveSize() - e.pageCount() * PAGE) {
                throw SdkMetadata.bad(where, String.format("layout entry %d (id 0x%x) at 0x%x with %d pages lies outside "
                        + "the enclave (0x%x) or is not page-aligned", e.index(), e.id(), rva, e.pageCount(), meta.enclaveSize()));
            }
            if (e.contentOffset() != 0 && e.siFlags() == Secinfo.TCS && e.contentSize() > TCS_TEMPLATE_MAX) {
                throw SdkMetadata.bad(where, "layout entry " + e.index() + ": TCS template of " + e.contentSize() + " bytes");
            }
            if (e.pageCount() > 0) {
                ranges.add(new Range(rva, e.pageCount(), String.format("layout entry %d (id 0x%x)", e.index(), e.id())));
            }
        });
        ranges.sort(Comparator.comparingLong(Range::start));
        long pages = 0;
        for (Range r : ranges) {
            pages += r.pages(); // each range lies inside the enclave (checked above): no overflow below 2^52
        }
        // The overlap check below alone admits 2^35 pages of a 128 TiB enclave (a day of hashing).
        org.enclaveos.signer.measure.Measurement.checkWork(where, pages, maxMeasuredBytes);
        for (int i = 1; i < ranges.size(); i++) {
            Range a = ranges.get(i - 1);
            Range b = ranges.get(i);
            if (b.start() < a.end()) {
                throw SdkMetadata.bad(where, String.format("%s at 0x%x overlaps %s (0x%x..0x%x)", b.what(), b.start(),
                        a.what(), a.start(), a.end()));
            }
        }
    }

    private interface Placement {
        void at(SdkMetadata.LayoutEntry entry, long rva) throws IOException;
    }

    /** The loader's walk: entries in order; a group repeats the entries before it, each time one step further. */
    private void forEachPlaced(int from, int to, long delta, long[] count, Placement placement) throws IOException {
        for (int i = from; i < to; i++) {
            SdkMetadata.LayoutEntry e = meta.layout().get(i);
            if (e.group()) {
                if (e.loadTimes() * e.entryCount() > MAX_EXPANDED_ENTRIES - count[0]) {
                    throw SdkMetadata.bad(where, "layout group " + i + " expands to more than " + MAX_EXPANDED_ENTRIES
                            + " entries (" + e.loadTimes() + " times " + e.entryCount() + ")");
                }
                long step = 0;
                for (long t = 0; t < e.loadTimes(); t++) {
                    step += e.loadStep();
                    // The SDK passes the group's own cumulative step, not delta + step (groups do not nest).
                    forEachPlaced(i - e.entryCount(), i, step, count, placement);
                }
            } else {
                count[0]++;
                placement.at(e, e.rva() + delta);
            }
        }
    }

    private void emit(PageSink sink) throws IOException {
        sink.ecreate(meta.ssaFrameSize(), meta.enclaveSize());
        for (ElfFile.Segment s : loadSegments()) {
            region(sink, FileBytes.of(this, s.offset()), s.filesz(), s.memsz(), s.vaddr(), Secinfo.REG | Secinfo.permissionsOfElf(s.flags()));
        }
        forEachPlaced(0, meta.layout().size(), 0, new long[] {0}, (e, rva) -> entry(sink, e, rva));
    }

    private void entry(PageSink sink, SdkMetadata.LayoutEntry e, long rva) throws IOException {
        if ((e.attributes() & SdkMetadata.LayoutEntry.EADD) == 0) {
            return; // HEAP_MAX, USER_REGION, the *_DYN entries: added at run time, not measured
        }
        boolean extend = (e.attributes() & SdkMetadata.LayoutEntry.EEXTEND) != 0;
        if (e.contentOffset() != 0) {
            if (e.siFlags() == Secinfo.TCS) {
                byte[] tcs = new byte[PAGE];
                System.arraycopy(meta.raw(), e.contentOffset(), tcs, 0, e.contentSize());
                // The template's SSA, FS and GS offsets are relative to the TCS page: relocate them.
                for (int field : new int[] {16, 48, 56}) {
                    LittleEndian.putU64(tcs, field, LittleEndian.u64(tcs, field) + rva);
                }
                for (long k = 0; k < e.pageCount(); k++) {
                    add(sink, rva + k * PAGE, Secinfo.TCS, extend, tcs);
                }
            } else {
                region(sink, FileBytes.block(meta.raw(), e.contentOffset()), e.contentSize(), e.pageCount() * PAGE, rva,
                        e.siFlags());
            }
        } else if (e.siFlags() != 0) {
            byte[] fill = new byte[PAGE];
            if (e.contentSize() != 0) {
                for (int i = 0; i < PAGE; i += 4) {
                    LittleEndian.putU32(fill, i, e.contentSize());
                }
            }
            for (long k = 0; k < e.pageCount(); k++) {
                add(sink, rva + k * PAGE, e.siFlags(), extend, fill);
            }
        }
        // No content and no SECINFO flags (GUARD): nothing at all.
    }

    /** Where region() takes its bytes from: the patched file, or the metadata block. */
    private interface FileBytes {
        void read(long offset, byte[] dst, int dstOffset, int length) throws IOException;

        static FileBytes of(SdkEnclaveLayout layout, long fileOffset) {
            return (off, dst, dstOff, len) -> layout.readPatched(fileOffset + off, dst, dstOff, len);
        }

        static FileBytes block(byte[] raw, int blockOffset) {
            return (off, dst, dstOff, len) -> System.arraycopy(raw, blockOffset + (int) off, dst, dstOff, len);
        }
    }

    /**
     * Pages that hold {@code rawLength} bytes from {@code source}, placed at {@code rva} (zero before
     * it and after the data in its pages), then zero pages up to {@code virtualSize}. Always measured.
     */
    private void region(PageSink sink, FileBytes source, long rawLength, long virtualSize, long rva, long flags)
            throws IOException {
        long off = 0;
        while (off < rawLength) {
            int inPage = (int) ((rva + off) & (PAGE - 1));
            int n = (int) Math.min(rawLength - off, PAGE - inPage);
            Arrays.fill(page, (byte) 0);
            source.read(off, page, inPage, n);
            add(sink, (rva + off) & -PAGE, flags, true, page);
            off += PAGE - inPage;
        }
        if (virtualSize > off) {
            long start = (rva + off) & -PAGE;
            long pages = roundUp(virtualSize - off + ((rva + off) & (PAGE - 1))) / PAGE;
            Arrays.fill(page, (byte) 0);
            for (long k = 0; k < pages; k++) {
                add(sink, start + k * PAGE, flags, true, page);
            }
        }
    }

    private static void add(PageSink sink, long rva, long flags, boolean extend, byte[] content) {
        if (extend) {
            sink.addMeasuredPage(rva, flags, content, 0);
        } else {
            sink.eadd(rva, flags);
        }
    }

    /** File bytes as the loader sees them: the patch table applied to a private copy (here, on the fly). */
    private void readPatched(long fileOffset, byte[] dst, int dstOffset, int length) throws IOException {
        elf.readFully(fileOffset, dst, dstOffset, length);
        for (SdkMetadata.Patch p : meta.patches()) {
            long from = Math.max(fileOffset, p.dst());
            long to = Math.min(fileOffset + length, p.dst() + p.size());
            if (from < to) {
                System.arraycopy(meta.raw(), (int) (p.src() + (from - p.dst())), dst, (int) (dstOffset + from - fileOffset),
                        (int) (to - from));
            }
        }
    }

    private List<ElfFile.Segment> loadSegments() {
        return elf.segments().stream().filter(s -> s.type() == ElfFile.Segment.PT_LOAD).toList();
    }

    private static long roundUp(long v) {
        return (v + PAGE - 1) & -PAGE;
    }

}
