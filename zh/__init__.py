"""Rules of the Chinese language the pipeline needs, each defined once (pure): figures in Chinese numerals, …"""
