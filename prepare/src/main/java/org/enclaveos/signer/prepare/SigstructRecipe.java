package org.enclaveos.signer.prepare;

import java.time.LocalDate;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructBuilder;
import org.enclaveos.signer.sgx.SigstructDate;

/**
 * The signed fields of a new SIGSTRUCT, as the user chose them. Each value is either given
 * explicitly (used literally), or taken from a base SIGSTRUCT (the converter's, or the SDK enclave's),
 * or else an EnclaveOS default. {@code production} only picks the DEBUG bit where ATTRIBUTES or
 * ATTRIBUTEMASK are not given, and a contradiction between it and explicit values is refused.
 */
public record SigstructRecipe(
        Integer isvProdId,
        Integer isvSvn,
        boolean production,
        SigstructDate date,
        Integer vendor,
        Integer swDefined,
        Attributes attributes,
        Attributes attributeMask,
        Integer miscSelect,
        Integer miscMask,
        byte[] isvFamilyId,
        byte[] isvExtProdId) {

    /** EnclaveOS defaults (shared/sgx-reference.md): 64-bit, x87+SSE+AVX, masks all ones but AVX-512. */
    public static final long DEFAULT_XFRM = 0x7;
    public static final long DEFAULT_XFRM_MASK = ~0xE0L;
    public static final int DEFAULT_MISC_MASK = 0xFFFFFFFE;

    /**
     * The DATE to write: {@code --date} (0000-00-00 for none), else SOURCE_DATE_EPOCH, else today in UTC.
     * A recipe whose date is null keeps the base SIGSTRUCT's DATE.
     */
    public static SigstructDate date(String option, String sourceDateEpoch, LocalDate today) {
        if (option != null) {
            if (option.equals("0000-00-00")) {
                return SigstructDate.NONE;
            }
            try {
                return SigstructDate.of(LocalDate.parse(option));
            } catch (java.time.format.DateTimeParseException | IllegalArgumentException e) {
                throw new SignerException(ErrorKind.USAGE, "--date '" + option + "': expected YYYY-MM-DD with a year from "
                        + "0001 to 9999, or 0000-00-00");
            }
        }
        if (sourceDateEpoch != null && !sourceDateEpoch.isBlank()) {
            try {
                return SigstructDate.of(java.time.Instant.ofEpochSecond(Long.parseLong(sourceDateEpoch.trim()))
                        .atZone(java.time.ZoneOffset.UTC).toLocalDate());
            } catch (NumberFormatException e) {
                throw new SignerException(ErrorKind.USAGE, "SOURCE_DATE_EPOCH '" + sourceDateEpoch + "' is not a number of seconds");
            } catch (java.time.DateTimeException | IllegalArgumentException e) {
                throw new SignerException(ErrorKind.USAGE, "SOURCE_DATE_EPOCH '" + sourceDateEpoch + "' is outside the "
                        + "years 0001 to 9999");
            }
        }
        return SigstructDate.of(today);
    }

    /** This recipe with another DATE. */
    public SigstructRecipe withDate(SigstructDate value) {
        return new SigstructRecipe(isvProdId, isvSvn, production, value, vendor, swDefined, attributes, attributeMask,
                miscSelect, miscMask, isvFamilyId, isvExtProdId);
    }

    /**
     * Builds the unsigned SIGSTRUCT.
     *
     * @param base          the SIGSTRUCT whose values are kept where none is given (empty: EnclaveOS defaults,
     *                      and then ISVPRODID and ISVSVN must be given)
     * @param keepBaseDebug without --production, keep the base's DEBUG bits as they are (re-signing an
     *                      SDK enclave) instead of making a debug request (the original tool's default)
     */
    public Sigstruct build(Hash256 mrenclave, Optional<Sigstruct> base, boolean keepBaseDebug) {
        if (base.isEmpty() && (isvProdId == null || isvSvn == null)) {
            throw new SignerException(ErrorKind.USAGE, "--isvprodid and --isvsvn are required when there is no "
                    + "converter signature to keep them from");
        }
        if (production && attributes != null && attributes.has(Attributes.DEBUG)) {
            throw new SignerException(ErrorKind.USAGE, "--production contradicts --attributes " + attributes
                    + ": it sets DEBUG (0x2)");
        }
        if (production && attributeMask != null && !attributeMask.has(Attributes.DEBUG)) {
            throw new SignerException(ErrorKind.USAGE, "--production contradicts --attribute-mask " + attributeMask
                    + ": it leaves DEBUG (0x2) unenforced, so the enclave would also launch in debug mode");
        }
        SigstructBuilder b = base.map(Sigstruct::toBuilder).orElseGet(Sigstruct::builder);
        b.mrenclave(mrenclave);
        if (date != null) {
            b.date(date);
        }
        if (base.isEmpty()) {
            b.miscSelect(0).miscMask(DEFAULT_MISC_MASK);
        }
        Attributes baseAttributes = base.map(Sigstruct::attributes).orElse(new Attributes(Attributes.MODE64BIT, DEFAULT_XFRM));
        Attributes baseMask = base.map(Sigstruct::attributeMask).orElse(new Attributes(-1L, DEFAULT_XFRM_MASK));
        boolean keep = keepBaseDebug && !production && base.isPresent();
        b.attributes(attributes != null ? attributes : keep ? baseAttributes : withDebug(baseAttributes, !production));
        b.attributeMask(attributeMask != null ? attributeMask
                : production ? withDebug(baseMask, true) : baseMask);
        try {
            if (isvProdId != null) {
                b.isvProdId(isvProdId);
            }
            if (isvSvn != null) {
                b.isvSvn(isvSvn);
            }
        } catch (IllegalArgumentException e) {
            throw new SignerException(ErrorKind.USAGE, e.getMessage());
        }
        if (vendor != null) {
            b.vendor(vendor);
        }
        if (swDefined != null) {
            b.swDefined(swDefined);
        }
        if (miscSelect != null) {
            b.miscSelect(miscSelect);
        }
        if (miscMask != null) {
            b.miscMask(miscMask);
        }
        if (isvFamilyId != null) {
            b.isvFamilyId(isvFamilyId);
        }
        if (isvExtProdId != null) {
            b.isvExtProdId(isvExtProdId);
        }
        return b.build();
    }

    private static Attributes withDebug(Attributes a, boolean debug) {
        long flags = debug ? a.flags() | Attributes.DEBUG : a.flags() & ~Attributes.DEBUG;
        return new Attributes(flags, a.xfrm());
    }
}
