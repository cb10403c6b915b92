"""Signer messages in the six further languages the platform serves (vi, zh, ko, pt, tl, ne).

Kept apart from the English/Japanese table so each file stays readable; merged into it on import.
Translations are working quality and want review by fluent speakers.
"""

from __future__ import annotations

PIN_NAMES = {
    "vi": {"auth": "mã PIN xác thực (4 chữ số)", "sign": "mật khẩu chữ ký (6-16 chữ cái và chữ số)"},
    "zh": {"auth": "身份验证PIN码（4位数字）", "sign": "签名密码（6至16位字母和数字）"},
    "ko": {"auth": "인증용 PIN(숫자 4자리)", "sign": "서명용 비밀번호(영문·숫자 6~16자)"},
    "pt": {"auth": "PIN de autenticação (4 dígitos)", "sign": "senha de assinatura (6 a 16 letras e dígitos)"},
    "tl": {"auth": "authentication PIN (4 na numero)", "sign": "signature password (6-16 na titik at numero)"},
    "ne": {"auth": "प्रमाणीकरण PIN (४ अङ्क)", "sign": "हस्ताक्षर पासवर्ड (६-१६ अक्षर र अङ्क)"},
}

MESSAGES = {
    "no_reader": {
        "vi": "Không tìm thấy đầu đọc thẻ. Hãy kết nối đầu đọc thẻ IC (hoặc kiểm tra dịch vụ pcscd đang chạy).",
        "zh": "未找到读卡器。请连接IC读卡器（或确认pcscd服务正在运行）。",
        "ko": "카드 리더기를 찾을 수 없습니다. IC 카드 리더기를 연결하세요(pcscd 서비스가 실행 중인지도 확인하세요).",
        "pt": "Nenhum leitor de cartão encontrado. Conecte um leitor de cartão IC (ou verifique se o serviço pcscd está em execução).",
        "tl": "Walang nakitang card reader. Ikonekta ang IC card reader (o tingnan kung tumatakbo ang pcscd service).",
        "ne": "कार्ड रिडर भेटिएन। IC कार्ड रिडर जोड्नुहोस् (वा pcscd सेवा चलिरहेको छ कि जाँच गर्नुहोस्)।",
    },
    "no_card": {
        "vi": "Không có thẻ trong đầu đọc. Hãy đặt thẻ My Number lên đầu đọc.",
        "zh": "读卡器中没有卡。请将个人编号卡放在读卡器上。",
        "ko": "리더기에 카드가 없습니다. 마이넘버 카드를 리더기에 올려 주세요.",
        "pt": "Não há cartão no leitor. Coloque o seu My Number Card no leitor.",
        "tl": "Walang card sa reader. Ilagay ang iyong My Number Card sa reader.",
        "ne": "रिडरमा कार्ड छैन। आफ्नो My Number कार्ड रिडरमा राख्नुहोस्।",
    },
    "not_jpki_card": {
        "vi": "Thẻ này không phải thẻ My Number (không tìm thấy ứng dụng JPKI).",
        "zh": "此卡不是个人编号卡（未找到JPKI应用）。",
        "ko": "이 카드는 마이넘버 카드가 아닙니다(JPKI 기능을 찾을 수 없습니다).",
        "pt": "Este cartão não é um My Number Card (a aplicação JPKI não foi encontrada).",
        "tl": "Hindi My Number Card ang card na ito (walang nakitang JPKI application).",
        "ne": "यो कार्ड My Number कार्ड होइन (JPKI एप्लिकेसन भेटिएन)।",
    },
    "card_removed": {
        "vi": "Thẻ đã bị lấy ra trong khi đang xử lý. Hãy đặt lại thẻ lên đầu đọc và thử lại.",
        "zh": "操作过程中卡被移开了。请重新放好卡后再试。",
        "ko": "처리 중에 카드가 떨어졌습니다. 카드를 다시 올려 놓고 다시 시도하세요.",
        "pt": "O cartão foi retirado durante a operação. Coloque-o novamente no leitor e tente outra vez.",
        "tl": "Naalis ang card habang isinasagawa ang proseso. Ilagay itong muli sa reader at subukang muli.",
        "ne": "प्रक्रियाको बीचमा कार्ड हटाइयो। कार्ड फेरि रिडरमा राखेर पुनः प्रयास गर्नुहोस्।",
    },
    "card_error": {
        "vi": "Thẻ trả lời không như mong đợi ({sw}). Hãy thử lại; nếu vẫn lỗi, hãy liên hệ bộ phận hỗ trợ.",
        "zh": "卡返回了意外的应答（{sw}）。请重试；如仍出现，请联系支持。",
        "ko": "카드에서 예상치 못한 응답이 왔습니다({sw}). 다시 시도하고, 계속되면 문의하세요.",
        "pt": "O cartão deu uma resposta inesperada ({sw}). Tente novamente; se continuar, contate o suporte.",
        "tl": "Hindi inaasahang sagot mula sa card ({sw}). Subukang muli; kung magpatuloy, makipag-ugnayan sa suporta.",
        "ne": "कार्डले अनपेक्षित उत्तर दियो ({sw})। फेरि प्रयास गर्नुहोस्; समस्या रहिरहे सहायतामा सम्पर्क गर्नुहोस्।",
    },
    "bad_pin_format": {
        "vi": "Đây không phải {pin_name} hợp lệ. Chưa có gì được gửi tới thẻ.",
        "zh": "这不是有效的{pin_name}。没有向卡发送任何内容。",
        "ko": "올바른 {pin_name} 형식이 아닙니다. 카드에는 아무것도 보내지 않았습니다.",
        "pt": "Isto não é um(a) {pin_name} válido(a). Nada foi enviado ao cartão.",
        "tl": "Hindi wastong {pin_name} iyan. Walang ipinadala sa card.",
        "ne": "यो मान्य {pin_name} होइन। कार्डमा केही पठाइएको छैन।",
    },
    "wrong_pin": {
        "vi": "Sai {pin_name}. Còn {tries_left} lần thử trước khi bị khóa.",
        "zh": "{pin_name}错误。再错{tries_left}次将被锁定。",
        "ko": "{pin_name}가 틀렸습니다. {tries_left}번 더 틀리면 잠깁니다.",
        "pt": "{pin_name} incorreto(a). Restam {tries_left} tentativas antes do bloqueio.",
        "tl": "Mali ang {pin_name}. {tries_left} subok na lang bago ito ma-lock.",
        "ne": "गलत {pin_name}। लक हुनुअघि {tries_left} पटक मात्र बाँकी छ।",
    },
    "pin_blocked": {
        "vi": "{pin_name} của bạn đã bị khóa do nhập sai quá nhiều lần. Chỉ văn phòng hành chính nơi bạn sống "
        "(tòa thị chính) mới có thể đặt lại: hãy mang thẻ My Number đến đó.",
        "zh": "由于输错次数过多，您的{pin_name}已被锁定。只有您居住地的市区町村窗口（市政府）可以重置，"
        "请携带个人编号卡前往办理。",
        "ko": "잘못된 입력이 반복되어 {pin_name}가 잠겼습니다. 거주지 시구정촌(시청) 창구에서만 초기화할 수 "
        "있습니다. 마이넘버 카드를 가지고 방문하세요.",
        "pt": "O(a) {pin_name} foi bloqueado(a) após muitas tentativas erradas. Somente a prefeitura do seu "
        "município pode redefini-lo(a): leve o seu My Number Card até lá.",
        "tl": "Na-lock ang iyong {pin_name} dahil sa sobrang maling subok. Ang munisipyo (city hall) lamang ang "
        "makapag-reset nito: dalhin doon ang iyong My Number Card.",
        "ne": "धेरै पटक गलत प्रविष्टि भएकाले तपाईंको {pin_name} लक भयो। तपाईं बस्ने नगरपालिका कार्यालय (सिटी हल) ले "
        "मात्र यसलाई रिसेट गर्न सक्छ: आफ्नो My Number कार्ड लिएर त्यहाँ जानुहोस्।",
    },
    "bad_request": {
        "vi": "Yêu cầu không hợp lệ: {detail}",
        "zh": "无效的请求：{detail}",
        "ko": "잘못된 요청입니다: {detail}",
        "pt": "Pedido inválido: {detail}",
        "tl": "Hindi wastong kahilingan: {detail}",
        "ne": "अमान्य अनुरोध: {detail}",
    },
    "tries_warning": {
        "vi": "Chú ý: còn {tries_left} lần thử cho {pin_name}.",
        "zh": "注意：{pin_name}还剩{tries_left}次机会。",
        "ko": "주의: {pin_name}의 남은 횟수는 {tries_left}번입니다.",
        "pt": "Atenção: restam {tries_left} tentativas para o(a) {pin_name}.",
        "tl": "Mag-ingat: {tries_left} subok na lang ang natitira para sa iyong {pin_name}.",
        "ne": "सावधान: तपाईंको {pin_name} का लागि {tries_left} पटक मात्र बाँकी छ।",
    },
    "prompt_password": {
        "vi": "Mật khẩu chữ ký: ",
        "zh": "签名密码：",
        "ko": "서명용 비밀번호: ",
        "pt": "Senha de assinatura: ",
        "tl": "Signature password: ",
        "ne": "हस्ताक्षर पासवर्ड: ",
    },
    "prompt_pin": {
        "vi": "Mã PIN xác thực (4 chữ số): ",
        "zh": "身份验证PIN码（4位数字）：",
        "ko": "인증용 PIN(숫자 4자리): ",
        "pt": "PIN de autenticação (4 dígitos): ",
        "tl": "Authentication PIN (4 na numero): ",
        "ne": "प्रमाणीकरण PIN (४ अङ्क): ",
    },
}
