package org.enclaveos.signer.sgx;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Optional;

/**
 * The DATE field. SGX defines it as BCD 0xYYYYMMDD in a u32 (2016-01-09 is stored 09 01 16 20), but
 * Gramine and the original enclaveos-signer wrote the year as a binary u16 followed by month and day
 * bytes. We read both and always write BCD; a raw value of 0 means "no date".
 */
public record SigstructDate(int raw, Encoding encoding, LocalDate date) {

    public enum Encoding {
        /** DATE is zero: no date recorded. */
        NONE,
        /** BCD 0xYYYYMMDD, as the SDM specifies. */
        BCD,
        /** u16 binary year, then month and day bytes (Gramine, enclaveos-signer 2021). */
        BINARY_YEAR,
        /** Neither form: shown as the raw value. */
        UNKNOWN
    }

    /** The DATE for no date at all (raw 0), written by {@code --date 0000-00-00}. */
    public static final SigstructDate NONE = new SigstructDate(0, Encoding.NONE, null);

    /** Decodes a raw DATE value in whichever form it was written. */
    public static SigstructDate decode(int raw) {
        if (raw == 0) {
            return NONE;
        }
        Optional<LocalDate> bcd = bcd(raw);
        if (bcd.isPresent()) {
            return new SigstructDate(raw, Encoding.BCD, bcd.get());
        }
        Optional<LocalDate> binary = binaryYear(raw);
        if (binary.isPresent()) {
            return new SigstructDate(raw, Encoding.BINARY_YEAR, binary.get());
        }
        return new SigstructDate(raw, Encoding.UNKNOWN, null);
    }

    /** The BCD encoding of a calendar date (the only form this tool writes). */
    public static SigstructDate of(LocalDate date) {
        if (date.getYear() < 1 || date.getYear() > 9999) {
            throw new IllegalArgumentException("DATE year must be 0001..9999: " + date);
        }
        int raw = bcdDigits(date.getYear(), 4) << 16 | bcdDigits(date.getMonthValue(), 2) << 8
                | bcdDigits(date.getDayOfMonth(), 2);
        return new SigstructDate(raw, Encoding.BCD, date);
    }

    /** {@code YYYY-MM-DD}, or null when there is no date or it cannot be decoded. */
    public String iso() {
        return date == null ? null : date.toString();
    }

    private static int bcdDigits(int value, int digits) {
        int out = 0;
        for (int i = 0; i < digits; i++) {
            out |= (value % 10) << (4 * i);
            value /= 10;
        }
        return out;
    }

    private static Optional<LocalDate> bcd(int raw) {
        for (int i = 0; i < 8; i++) {
            if (((raw >>> (4 * i)) & 0xF) > 9) {
                return Optional.empty();
            }
        }
        return date(fromBcd(raw >>> 16), fromBcd((raw >>> 8) & 0xFF), fromBcd(raw & 0xFF));
    }

    private static Optional<LocalDate> binaryYear(int raw) {
        return date(raw & 0xFFFF, (raw >>> 16) & 0xFF, (raw >>> 24) & 0xFF);
    }

    private static int fromBcd(int bcd) {
        int value = 0;
        for (int shift = 12; shift >= 0; shift -= 4) {
            value = value * 10 + ((bcd >>> shift) & 0xF);
        }
        return value;
    }

    private static Optional<LocalDate> date(int year, int month, int day) {
        if (year < 1970 || year > 2999) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.of(year, month, day));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }
}
