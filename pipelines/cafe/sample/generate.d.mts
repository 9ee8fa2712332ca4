export declare const DONGS: string[];
export declare function generate(): void;
