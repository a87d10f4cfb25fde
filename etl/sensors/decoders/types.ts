export type DecodedValue = number | string | boolean | null;

/** One measurement instant of a frame (most frames carry one; Milesight history frames carry more). */
export interface DecodedPoint {
  /** from the frame itself (history records); otherwise the envelope's time applies */
  ts?: Date;
  values: Record<string, DecodedValue>;
}

/** How a decoded field becomes a stored quantity: `value * scale` in the quantity's unit. */
export interface FieldMapping {
  field: string;
  quantity: string;
  scale?: number;
}

export interface DeviceType {
  /** code stored in the sensor registry (`typ_zarizeni`) */
  id: string;
  vendor: string;
  label: string;
  /** decodes the raw frame bytes; throws PayloadError on a malformed frame */
  decode(bytes: Uint8Array, fPort: number): DecodedPoint[];
  quantities: FieldMapping[];
}
